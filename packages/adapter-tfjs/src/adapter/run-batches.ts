import { forEachConcurrently, ModelhubError } from '@modelhub/core';
import type { EmbedFailure, ImageInput, PreprocessSpec } from '@modelhub/core';
import { decodeBatch, describeInput, stackBySize } from '@modelhub/vision';

import type { WorkerPool } from '../runtime/worker-pool.ts';

/** Output rows in input order (`undefined` where the input failed) and the failures. */
export interface BatchRunResult {
  readonly rows: Array<Float32Array | undefined>;
  readonly failures: EmbedFailure[];
}

/** Settings of {@link runBatches}. */
export interface BatchRunOptions {
  readonly batchSize: number;
  /** The model input without the batch axis; -1 for free dims. */
  readonly inputDims: readonly number[];
  /** Images decoded at once per batch. */
  readonly decodeConcurrency: number;
  /**
   * Turns one group's output into rows, given each image's real region and the (padded) input size;
   * default: one row per image of the output as it is.
   */
  readonly reduce?: (
    out: { readonly data: Float32Array; readonly shape: readonly number[] },
    valid: ReadonlyArray<{ readonly height: number; readonly width: number }>,
    inputSize: { readonly height: number; readonly width: number },
  ) => Float32Array[];
}

function fits(dims: readonly number[], expected: readonly number[]): boolean {
  return (
    dims.length === expected.length && dims.every((d, i) => (expected[i] ?? -1) < 0 || d === expected[i])
  );
}

/**
 * Decodes and runs inputs in batches. Up to `pool.size + 1` batches are in flight, so the next
 * batch is decoded (on sharp's threads) while the workers run the current ones; memory stays
 * bounded by that many decoded batches however many inputs there are.
 */
export async function runBatches(
  inputs: readonly ImageInput[],
  spec: PreprocessSpec,
  pool: WorkerPool,
  options: BatchRunOptions,
): Promise<BatchRunResult> {
  const rows = new Array<Float32Array | undefined>(inputs.length).fill(undefined);
  const failures: EmbedFailure[] = [];
  const starts: number[] = [];
  for (let i = 0; i < inputs.length; i += options.batchSize) {
    starts.push(i);
  }
  // Each lane decodes a batch and runs it; the next free lane takes the next batch.
  await forEachConcurrently(starts.length, pool.size + 1, async (batchIndex) => {
    const start = starts[batchIndex] ?? 0;
    const slice = inputs.slice(start, start + options.batchSize);
    const decoded = await decodeBatch(slice, spec, { concurrency: options.decodeConcurrency });
    for (const f of decoded.failures) {
      failures.push({ ...f, index: f.index + start });
    }
    // An image the model cannot take fails alone; the others run in groups of one size.
    const usable = decoded.images.map((img, i) => {
      if (img === undefined || fits(img.dims, options.inputDims)) {
        return img;
      }
      const input = describeInput(slice[i] as ImageInput);
      failures.push({
        index: start + i,
        input,
        error: new ModelhubError(
          'INVALID_INPUT',
          `Image ${input} is [${img.dims.join(', ')}] after preprocessing, but the model takes [${options.inputDims.join(', ')}]`,
          { hint: 'Resize the image, or fix the preprocessing in modelhub.json.', details: { input } },
        ),
      });
      return undefined;
    });
    for (const { indices: members, dims, data, valid } of stackBySize(usable)) {
      const out = await pool.run(data, [members.length, ...dims]);
      if (options.reduce !== undefined) {
        const nchw = spec.layout === 'NCHW';
        const inputSize = {
          height: dims[nchw ? 1 : 0] ?? 0,
          width: dims[nchw ? 2 : 1] ?? 0,
        };
        options.reduce(out, valid, inputSize).forEach((row, j) => {
          rows[start + (members[j] as number)] = row;
        });
      } else {
        const width = out.shape[1] ?? out.data.length / members.length;
        members.forEach((m, j) => {
          rows[start + m] = out.data.slice(j * width, (j + 1) * width);
        });
      }
    }
  });
  failures.sort((a, b) => a.index - b.index);
  return { rows, failures };
}
