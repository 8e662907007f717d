import type { Command } from 'commander';

import { formatBytes } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import { exportHead, type ExportResult } from '../library/export-head.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** The line saying the file was run and agrees with the head. */
function describeCheck(result: ExportResult): string {
  const what = result.fused ? "on the head's probe input" : "on the probe input's features";
  const { probabilityDifference, logitDifference } = result.check;
  return `checked: onnxruntime runs the file ${what} to the head's outputs (largest difference ${probabilityDifference.toExponential(1)} in probabilities, ${logitDifference.toExponential(1)} in logits)\n`;
}

/** The text `hub export` prints. */
export function describeExport(result: ExportResult): string {
  return describeWritten(result) + describeCheck(result);
}

/** What was written and how to feed it. */
function describeWritten(result: ExportResult): string {
  if (!result.fused) {
    return `wrote ${result.out} (${formatBytes(result.bytes)}): the head only, features in, ${result.outputs.join(' and ')} out\nnote: ${result.note ?? ''}\n`;
  }
  if (result.input === 'audio') {
    return (
      `wrote ${result.out} (${formatBytes(result.bytes)}): ${result.base}'s two graphs, windowing, pooling and the head, one ONNX graph\n` +
      `input: "audio" [1, samples], one clip of float32 mono samples in [-1, 1] at the model's rate (see metadata "modelhub.preprocessing"), any length; outputs: ${result.outputs.join(', ')}; labels: ${result.labels.join(', ')}\n`
    );
  }
  if (result.input === 'token-ids') {
    return (
      `wrote ${result.out} (${formatBytes(result.bytes)}): ${result.base}'s encoder, attention-mask pooling and the head, one ONNX graph\n` +
      `inputs: the encoder's own (input_ids, attention_mask… [batch, sequence] int64) from its tokenizer.json, which runs outside the graph (see metadata "modelhub.preprocessing"); outputs: ${result.outputs.join(', ')}; labels: ${result.labels.join(', ')}\n`
    );
  }
  return (
    `wrote ${result.out} (${formatBytes(result.bytes)}): ${result.base} cut at its tap + the head, one ONNX graph\n` +
    `input: the preprocessed image (see metadata "modelhub.preprocessing"); outputs: ${result.outputs.join(', ')}; labels: ${result.labels.join(', ')}\n`
  );
}

/** `hub export HEAD --out FILE.onnx`: one file that plain onnxruntime runs, no modelhub needed. */
export const registerExport: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('export')
    .description(
      'fuse a head and its ONNX backbone into one ONNX file (image, audio or token ids in, probabilities out)',
    )
    .argument('<head>', 'a head folder (hub train --out) or its repository')
    .requiredOption('--out <file>', 'where to write the .onnx file')
    .action(async (head: string, flags: { out: string }) => {
      const globals = program.opts<GlobalOptions>();
      const result = await exportHead(head, flags.out, clientOptionsFrom(globals));
      io.stdout(globals.json === true ? `${JSON.stringify(result)}\n` : describeExport(result));
    });
};
