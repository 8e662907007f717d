import { Option, type Command } from 'commander';

import { poolingNames } from '@modelhub/core';
import type { FeatureTap, ModelInspection, TensorInfo } from '@modelhub/core';

import { adapterFor } from '../adapters/load-adapter.ts';
import { resolveModel, type ResolvedModel } from '../adapters/resolve-model.ts';
import { isHeadFolder } from '../library/head-base.ts';
import { formatHeadInspection, inspectHead } from './inspect-head.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

export interface InspectCommandOptions {
  readonly layer?: string;
  readonly pooling?: FeatureTap['pooling'];
}

/** Runs `hub inspect` and returns what it found (the JSON document of `--json`). */
export async function runInspect(
  model: string,
  options: InspectCommandOptions,
  global: GlobalOptions,
): Promise<ModelInspection & { readonly model: string; readonly dir: string }> {
  return inspectResolved(await resolveModel(model, global), options);
}

async function inspectResolved(
  resolved: ResolvedModel,
  options: InspectCommandOptions,
): Promise<ModelInspection & { readonly model: string; readonly dir: string }> {
  const adapter = await adapterFor(resolved.dir);
  const inspection = await adapter.inspect(resolved.dir, {
    modelId: resolved.modelId,
    workDir: resolved.workDir,
    ...(options.layer === undefined ? {} : { layer: options.layer }),
    ...(options.pooling === undefined ? {} : { pooling: options.pooling }),
  });
  return { model: resolved.modelId, dir: resolved.dir, ...inspection };
}

const shape = (t: TensorInfo): string => `${t.name}  ${t.dtype} [${t.shape.join(', ')}]`;

function formatInspection(r: Awaited<ReturnType<typeof runInspect>>): string {
  const lines = [`model   ${r.model}`, `format  ${r.format}`, 'inputs'];
  lines.push(...r.inputs.map((t) => `  ${shape(t)}`), 'outputs', ...r.outputs.map((t) => `  ${shape(t)}`));
  lines.push('feature candidates');
  if (r.candidates.length === 0) {
    lines.push('  (none found; name a tensor with --layer)');
  }
  for (const c of r.candidates) {
    const mark = r.chosen?.tensor === c.tensor ? '*' : ' ';
    lines.push(` ${mark}${c.tensor}  ${c.dim}-d, pooling ${c.pooling}  (${c.reason})`);
  }
  const p = r.preprocess;
  lines.push(`modality  ${r.modality}: ${r.contract}`);
  if (p === null) {
    lines.push('preprocessing  none resolved');
  } else if (p.modality === 'text') {
    lines.push(
      `preprocessing  ${p.source}: ${p.tokenizer.kind} tokenizer ${p.tokenizer.file}, at most ${p.maxTokens} tokens (longer texts cut at the end), inputs ${p.inputs}`,
    );
  } else if (p.modality === 'audio') {
    const f = p.frontend;
    lines.push(
      `preprocessing  ${p.source}: WAV → mono ${p.sampleRate} Hz ×${p.scale}, ${f.frontendFile} → frames ×${f.frameScale}+${f.frameOffset}, windows of ${f.window} frames every ${f.hop} (${((f.window * f.samplesPerFrame) / p.sampleRate).toFixed(3)} s every ${((f.hop * f.samplesPerFrame) / p.sampleRate).toFixed(3)} s) → ${f.embeddingFile}; clips shorter than ${(p.minSamples / p.sampleRate).toFixed(2)} s centred in silence`,
    );
  } else {
    const size =
      p.pad === null ? `${p.resize.height}×${p.resize.width}` : `${p.pad.height}×${p.pad.width} (padded)`;
    lines.push(
      `preprocessing  ${p.source}: ${p.decode.color}, resize ${p.resize.mode} ${size} ${p.resize.resample}, ` +
        `x*${p.rescale.scale.toPrecision(4)}${p.rescale.offset === 0 ? '' : `+${p.rescale.offset}`}` +
        `${p.normalize === null ? '' : `, normalize mean [${p.normalize.mean.join(', ')}] std [${p.normalize.std.join(', ')}]`}, ${p.layout}`,
    );
  }
  lines.push(...r.warnings.map((w) => `warning: ${w}`));
  return `${lines.join('\n')}\n`;
}

/**
 * `hub inspect MODEL [--json] [--layer NAME]`: inputs, outputs, candidate feature tensors,
 * preprocessing; for a trained head, its base, tap, metrics and the self-check run here.
 */
export const registerInspect: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('inspect')
    .description('show a model’s inputs, outputs, candidate feature tensors and resolved preprocessing')
    .argument('<model>', 'model folder, or registry reference (namespace/name[@revision], alias)')
    .option('--layer <name>', 'tensor / layer to tap instead of the one found automatically')
    .addOption(
      new Option('--pooling <mode>', 'how a tap of rank > 2 becomes a vector').choices([...poolingNames]),
    )
    .action(async (model: string, options: InspectCommandOptions) => {
      const global = program.opts<GlobalOptions>();
      const resolved = await resolveModel(model, global);
      if (await isHeadFolder(resolved.dir)) {
        const head = await inspectHead(resolved, global);
        io.stdout(global.json === true ? `${JSON.stringify(head)}\n` : formatHeadInspection(head));
        return;
      }
      const result = await inspectResolved(resolved, options);
      io.stdout(global.json === true ? `${JSON.stringify(result)}\n` : formatInspection(result));
    });
};
