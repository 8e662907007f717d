import type { Command } from 'commander';

import { resolveClientConfig } from '@modelhub/client';

import { ModelhubError } from '@modelhub/core';
import type { OriginalPrediction } from '@modelhub/core';
import { topK } from '@modelhub/trainer';

import { expandInputs } from '../adapters/input-files.ts';
import { adapterFor } from '../adapters/load-adapter.ts';
import { resolveModel } from '../adapters/resolve-model.ts';
import { clientOptionsFrom } from '../context/client-context.ts';
import { isHeadFolder, loadHead } from '../library/head-base.ts';
import type { Io } from '../output/error-boundary.ts';
import { countOption } from '../context/count-option.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

export interface PredictCommandOptions {
  readonly top?: number;
}

/** Runs `hub predict`: a trained head (its modelhub.json says so), or a model's original output layer. */
export async function runPredict(
  model: string,
  files: readonly string[],
  options: PredictCommandOptions,
  global: GlobalOptions,
  onWarning: (message: string) => void = () => undefined,
): Promise<{ readonly model: string; readonly predictions: OriginalPrediction[] }> {
  const inputs = await expandInputs(files);
  const resolved = await resolveModel(model, global);
  let predictions: OriginalPrediction[];
  if (await isHeadFolder(resolved.dir)) {
    // A pulled head's base is looked for on the same registry first; a local one's where it was trained.
    const pulled = resolved.modelId !== resolved.dir;
    predictions = await predictWithHeadFolder(resolved.dir, pulled, inputs, options, global, onWarning);
  } else {
    const adapter = await adapterFor(resolved.dir);
    predictions = await adapter.predictOriginal(resolved.dir, inputs, {
      modelId: resolved.modelId,
      workDir: resolved.workDir,
      topK: options.top ?? 5,
    });
  }
  // Some inputs failing is a partial result (each names its error); none succeeding is a failure.
  const failed = predictions.filter((p) => p.error !== undefined);
  if (failed.length === predictions.length) {
    const first = failed[0]?.error;
    throw new ModelhubError(
      'INVALID_INPUT',
      `None of the ${inputs.length} inputs could be read (first: ${first?.message ?? '?'}).`,
      {
        hint: 'Check the files are inputs the model can take (hub inspect MODEL shows its input).',
        details: {
          failures: failed.map((p) => ({ input: p.input, code: p.error?.code, message: p.error?.message })),
        },
      },
    );
  }
  return { model: resolved.modelId, predictions };
}

/**
 * A trained head: its base model is pulled at the pinned commit and verified, the images are
 * embedded once, and the head scores the ones that could be read; the others get their error.
 */
async function predictWithHeadFolder(
  headDir: string,
  pulled: boolean,
  inputs: readonly string[],
  options: PredictCommandOptions,
  global: GlobalOptions,
  onWarning: (message: string) => void,
): Promise<OriginalPrediction[]> {
  const clientOptions = clientOptionsFrom(global);
  const head = await loadHead(
    headDir,
    pulled ? resolveClientConfig(clientOptions).endpoint : undefined,
    clientOptions,
  );
  try {
    if (head.check?.warning !== undefined) {
      onWarning(head.check.warning);
    }
    const embedded = await head.extractor.embed(inputs);
    for (const w of embedded.warnings ?? []) {
      onWarning(w);
    }
    const rows = embedded.vectors.flatMap((v, i) => (v === undefined ? [] : [i]));
    const dim = head.extractor.dim;
    const features = new Float32Array(rows.length * dim);
    rows.forEach((input, row) => features.set(embedded.vectors[input] ?? new Float32Array(dim), row * dim));
    const scores = rows.length === 0 ? undefined : await head.classifier.scoreFeatures(features, rows.length);
    const failures = new Map(embedded.failures.map((f) => [f.index, f.error]));
    return inputs.map((input, i) => {
      const row = rows.indexOf(i);
      const error = failures.get(i);
      if (row === -1 || scores === undefined) {
        return { input, top: [], ...(error === undefined ? {} : { error }) };
      }
      return { input, top: topK(scores.probs, row, head.classifier.labels, options.top ?? 5) };
    });
  } finally {
    await head.extractor.dispose();
  }
}

function formatPrediction(p: OriginalPrediction): string {
  if (p.error !== undefined) {
    return `${p.input}: error [${p.error.code}] ${p.error.message}\n`;
  }
  const top = p.top.map((t) => `${JSON.stringify(t.label)} ${t.score.toFixed(4)}`).join(', ');
  return `${p.input}: ${top}\n`;
}

/** `hub predict MODEL FILE… [--json] [--top K]`: the model's own output layer, top-k per image. */
export const registerPredict: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('predict')
    .description(
      "top-k labels per input (image, text or clip), from a trained head or a model's original output layer",
    )
    .argument(
      '<model>',
      'head or model: a folder, or a registry reference (namespace/name[@revision], alias)',
    )
    .argument('<files...>', 'files or folders: images, .txt texts or .wav clips (as the model takes)')
    .option('--top <k>', 'labels per input (default 5)', countOption('--top'))
    .action(async (model: string, files: string[], options: PredictCommandOptions) => {
      const global = program.opts<GlobalOptions>();
      const result = await runPredict(model, files, options, global, (w) => {
        if (global.quiet !== true) {
          io.stderr(`warning: ${w}\n`);
        }
      });
      if (global.json === true) {
        io.stdout(
          `${JSON.stringify({
            model: result.model,
            predictions: result.predictions.map((p) => ({
              input: p.input,
              top: p.top,
              ...(p.error === undefined ? {} : { error: p.error.toJSON() }),
            })),
          })}\n`,
        );
        return;
      }
      for (const p of result.predictions) {
        if (p.error === undefined) {
          io.stdout(formatPrediction(p));
        } else {
          io.stderr(formatPrediction(p));
        }
      }
    });
};
