import { rename, rm, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';

import { Option, type Command } from 'commander';

import { ModelhubError, poolingNames } from '@modelhub/core';
import type { FeatureExtractor, FeatureTap, InputSpec } from '@modelhub/core';

import { expandInputs } from '../adapters/input-files.ts';
import { adapterFor } from '../adapters/load-adapter.ts';
import { NpyWriter } from '../adapters/npy-writer.ts';
import { resolveModel } from '../adapters/resolve-model.ts';
import type { Io } from '../output/error-boundary.ts';
import { countOption } from '../context/count-option.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

export interface EmbedCommandOptions {
  readonly out: string;
  readonly layer?: string;
  readonly pooling?: FeatureTap['pooling'];
  readonly batchSize?: number;
}

/**
 * `FILE.index.json` next to the `.npy`: row `i` of the array is the features of `inputs[i]`;
 * inputs that could not be read are listed in `failures` and have no row.
 */
export interface EmbeddingIndex {
  readonly format: 'modelhub-embeddings';
  readonly formatVersion: 1;
  readonly model: string;
  readonly tap: FeatureTap;
  /**
   * In words, which positions of the tapped tensor were pooled when the preprocessing pads (the
   * rule itself is `tap.mask`); absent when every position was.
   */
  readonly maskRule?: string;
  readonly preprocessing: InputSpec;
  readonly dtype: 'float32';
  readonly shape: readonly [number, number];
  readonly inputs: readonly string[];
  readonly failures: ReadonlyArray<{
    readonly input: string;
    readonly code: string;
    readonly message: string;
  }>;
  readonly createdAt: string;
}

/** How far `hub embed` got: inputs read so far, of which `embedded` gave a row. */
export interface EmbedProgress {
  readonly read: number;
  readonly embedded: number;
  readonly total: number;
}

/** The mask rule of a tap in one sentence, for people reading the index. */
function describeMask(mask: NonNullable<FeatureTap['mask']>): string {
  const axes = mask.axes.map((a) => `axis ${a.axis} (${a.input})`).join(' and ');
  return (
    `only positions covering the real image are pooled: along ${axes}, position i counts when the centre ` +
    '(i + 1/2) × stride of its cell lies inside the unpadded image, stride = padded input size ÷ axis length; ' +
    'at least one position always counts'
  );
}

/** Inputs handed to the extractor per call: bounds memory while keeping its batches pipelined. */
const CHUNK = 256;

interface WrittenRows {
  readonly embedded: string[];
  readonly failures: Array<{ input: string; code: string; message: string }>;
  readonly warnings: string[];
}

/** Embeds the inputs chunk by chunk into the .npy at `path`; disposes the extractor. */
async function writeRows(
  extractor: FeatureExtractor,
  inputs: readonly string[],
  path: string,
  onProgress: (progress: EmbedProgress) => void,
): Promise<WrittenRows> {
  const written: WrittenRows = { embedded: [], failures: [], warnings: [] };
  try {
    const npy = await NpyWriter.create(path, extractor.dim);
    try {
      for (let start = 0; start < inputs.length; start += CHUNK) {
        const chunk = inputs.slice(start, start + CHUNK);
        const result = await extractor.embed(chunk);
        const rows: Float32Array[] = [];
        result.vectors.forEach((v, i) => {
          if (v !== undefined) {
            rows.push(v);
            written.embedded.push(chunk[i] ?? '');
          }
        });
        written.warnings.push(...(result.warnings ?? []));
        for (const f of result.failures) {
          written.failures.push({ input: f.input, code: f.error.code, message: f.error.message });
        }
        await npy.write(rows);
        onProgress({
          read: Math.min(start + CHUNK, inputs.length),
          embedded: written.embedded.length,
          total: inputs.length,
        });
      }
    } finally {
      await npy.close();
    }
  } finally {
    await extractor.dispose();
  }
  return written;
}

/** Runs `hub embed` and returns the index it wrote. */
export async function runEmbed(
  model: string,
  files: readonly string[],
  options: EmbedCommandOptions,
  global: GlobalOptions,
  onProgress: (progress: EmbedProgress) => void = () => undefined,
): Promise<
  EmbeddingIndex & { readonly out: string; readonly indexPath: string; readonly warnings: readonly string[] }
> {
  const inputs = await expandInputs(files);
  const resolved = await resolveModel(model, global);
  const adapter = await adapterFor(resolved.dir);
  const extractor = await adapter.loadFeatureExtractor(resolved.dir, {
    modelId: resolved.modelId,
    workDir: resolved.workDir,
    sha256Of: resolved.sha256Of,
    ...(options.layer === undefined ? {} : { layer: options.layer }),
    ...(options.pooling === undefined ? {} : { pooling: options.pooling }),
    ...(options.batchSize === undefined ? {} : { batchSize: options.batchSize }),
  });
  const out = resolve(options.out);
  const tmp = `${out}.partial`;
  // The rows go to FILE.partial, renamed to FILE once every input was read and at least one
  // embedded; any failure removes it, so a reader never meets a half-written array.
  let rows: WrittenRows;
  try {
    rows = await writeRows(extractor, inputs, tmp, onProgress);
    if (rows.embedded.length === 0) {
      throw new ModelhubError(
        'INVALID_INPUT',
        `None of the ${inputs.length} inputs could be read (first: ${rows.failures[0]?.message ?? '?'}).`,
        {
          hint: 'Check the files are inputs the model can take (hub inspect MODEL shows its input).',
          details: { failures: rows.failures },
        },
      );
    }
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
  const { embedded, failures, warnings } = rows;
  const index: EmbeddingIndex = {
    format: 'modelhub-embeddings',
    formatVersion: 1,
    model: resolved.modelId,
    tap: extractor.tap,
    ...(extractor.tap.mask === undefined ? {} : { maskRule: describeMask(extractor.tap.mask) }),
    preprocessing: extractor.preprocess,
    dtype: 'float32',
    shape: [embedded.length, extractor.dim],
    inputs: embedded,
    failures,
    createdAt: new Date().toISOString(),
  };
  const indexPath = `${out}.index.json`;
  await writeFile(indexPath, `${JSON.stringify(index, null, 2)}\n`);
  return { ...index, out, indexPath, warnings };
}

/** `hub embed MODEL FILE… --out FILE`: features as a float32 [N,D] .npy plus FILE.index.json. */
export const registerEmbed: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('embed')
    .description(
      'write feature vectors of images, texts or sounds as a float32 [N,D] .npy file (+ FILE.index.json)',
    )
    .argument('<model>', 'model folder, or registry reference (namespace/name[@revision], alias)')
    .argument('<files...>', 'files or folders: images, .txt texts or .wav clips (as the model takes)')
    .requiredOption('--out <file>', 'the .npy file to write; the index goes to FILE.index.json')
    .option('--layer <name>', 'tensor / layer to tap instead of the one found automatically')
    .addOption(
      new Option(
        '--pooling <mode>',
        'how a tap of rank > 2 becomes a vector (masked to the real image when the preprocessing pads)',
      ).choices([...poolingNames]),
    )
    .option('--batch-size <n>', 'inputs per inference call', countOption('--batch-size'))
    .addHelpText(
      'after',
      [
        '',
        'Output: FILE is a NumPy .npy (format 1.0, little-endian float32, C order, shape [N, D]);',
        'numpy.load(FILE) reads it. Row i holds the features of inputs[i] in FILE.index.json, which',
        'also records the model (repo@commit or folder), the tap {tensor, pooling, dim, runtime, mask},',
        'the mask rule in words (maskRule), the resolved preprocessing, and the inputs that could not be',
        'read (failures, with error codes).',
      ].join('\n'),
    )
    .action(async (model: string, files: string[], options: EmbedCommandOptions) => {
      const global = program.opts<GlobalOptions>();
      const chatty = global.json !== true && global.quiet !== true;
      const result = await runEmbed(model, files, options, global, ({ read, embedded, total }) => {
        if (chatty) {
          io.stderr(`read ${read}/${total}: ${embedded} embedded, ${read - embedded} skipped\n`);
        }
      });
      if (global.json === true) {
        io.stdout(
          `${JSON.stringify({ out: result.out, index: result.indexPath, shape: result.shape, tap: result.tap, model: result.model, failures: result.failures })}\n`,
        );
        return;
      }
      for (const w of result.warnings) {
        io.stderr(`warning: ${w}\n`);
      }
      for (const f of result.failures) {
        io.stderr(`skipped ${f.input}: ${f.message}\n`);
      }
      if (global.quiet !== true) {
        io.stdout(
          `wrote ${result.out} (${result.shape[0]}×${result.shape[1]} float32, tap ${result.tap.tensor} ${result.tap.pooling}) and ${result.indexPath}` +
            `${result.failures.length > 0 ? `; ${result.failures.length} input(s) skipped` : ''}\n`,
        );
      }
    });
};
