import type { Command } from 'commander';

import { ModelhubError } from '@modelhub/core';
import type { OriginalPrediction } from '@modelhub/core';

import { expandInputs } from '../adapters/input-files.ts';
import { adapterFor } from '../adapters/load-adapter.ts';
import { resolveModel } from '../adapters/resolve-model.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

export interface PredictCommandOptions {
  readonly top?: number;
}

/** Runs `hub predict` with the model's original head. */
export async function runPredict(
  model: string,
  files: readonly string[],
  options: PredictCommandOptions,
  global: GlobalOptions,
): Promise<{ readonly model: string; readonly predictions: OriginalPrediction[] }> {
  const inputs = await expandInputs(files);
  if (inputs.length === 0) {
    throw new ModelhubError('INVALID_ARGUMENT', 'No input images: the given folders hold no image files.');
  }
  const resolved = await resolveModel(model, global);
  const adapter = await adapterFor(resolved.dir);
  const predictions = await adapter.predictOriginal(resolved.dir, inputs, {
    modelId: resolved.modelId,
    workDir: resolved.workDir,
    topK: options.top ?? 5,
  });
  const failed = predictions.filter((p) => p.error !== undefined);
  if (failed.length === predictions.length) {
    const first = failed[0]?.error;
    throw new ModelhubError(
      'INVALID_INPUT',
      `None of the ${inputs.length} inputs could be read (first: ${first?.message ?? '?'}).`,
      {
        hint: 'Check the files are images the model can take.',
        details: { failures: failed.map((p) => p.input) },
      },
    );
  }
  return { model: resolved.modelId, predictions };
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
    .description('run the model with its original output layer on images (top-k labels per image)')
    .argument('<model>', 'model folder, or registry reference (namespace/name[@revision], alias)')
    .argument('<files...>', 'image files or folders of images')
    .option('--top <k>', 'labels per image (default 5)', (v) => Number.parseInt(v, 10))
    .action(async (model: string, files: string[], options: PredictCommandOptions) => {
      const global = program.opts<GlobalOptions>();
      const result = await runPredict(model, files, options, global);
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
