import { ModelhubError } from '../errors/modelhub-error.ts';

/**
 * How a tensor with position axes becomes one vector per row:
 * - `mean`: average over the real positions;
 * - `max`: per-channel maximum over the real positions;
 * - `meanmax`: `mean` and `max` concatenated (2·D values);
 * - `cls`: the first position (a class token, or the first time step);
 * - `flatten`: every value in order, padded positions set to 0 (same length for every row).
 */
export const poolingNames = ['mean', 'max', 'meanmax', 'cls', 'flatten'] as const;

export type PoolingName = (typeof poolingNames)[number];

/** A row-major float tensor: `data.length` is the product of `dims`. */
export interface FeatureTensor {
  readonly data: Float32Array;
  readonly dims: readonly number[];
}

/** True when `value` is one of {@link poolingNames}. */
export function isPoolingName(value: unknown): value is PoolingName {
  return typeof value === 'string' && (poolingNames as readonly string[]).includes(value);
}

/**
 * Length of each pooled vector for a tensor of `dims` = [N, ...positions, D]: D for mean, max and
 * cls, 2·D for meanmax, (positions…)·D for flatten. A tensor with no position axis ([N, D]) has
 * one position.
 */
export function pooledDim(dims: readonly number[], pooling: PoolingName): number {
  const { positions, channels } = shapeOf(dims);
  switch (pooling) {
    case 'mean':
    case 'max':
    case 'cls':
      return channels;
    case 'meanmax':
      return 2 * channels;
    case 'flatten':
      return positions * channels;
  }
}

/**
 * Pools a channels-last tensor `[N, ...positions, D]` into one vector per row.
 *
 * `mask` (optional) says which positions are real: `N × (positions…)` values in row-major order,
 * non-zero = real (padded image columns, a text attention mask, audio windows past the end are 0).
 * `mean`, `max` and `meanmax` use the real positions only, `flatten` zeroes the others, `cls`
 * always takes position 0. Without a mask every position is real. Sums are taken in float64.
 *
 * @throws ModelhubError `INVALID_ARGUMENT` when the data, dims and mask disagree, or a row whose
 * positions are all masked is mean- or max-pooled.
 */
export function poolFeatures(
  tensor: FeatureTensor,
  pooling: PoolingName,
  mask?: ArrayLike<number>,
): Float32Array[] {
  const { rows, positions, channels } = shapeOf(tensor.dims);
  const { data } = tensor;
  if (data.length !== rows * positions * channels) {
    throw invalid(
      `a tensor of dims [${tensor.dims.join(', ')}] needs ${rows * positions * channels} values, got ${data.length}`,
    );
  }
  if (mask !== undefined && mask.length !== rows * positions) {
    throw invalid(
      `the mask has ${mask.length} values, expected ${rows * positions} (one per position of [${tensor.dims
        .slice(0, -1)
        .join(', ')}])`,
    );
  }
  const out: Float32Array[] = [];
  for (let r = 0; r < rows; r++) {
    const row = data.subarray(r * positions * channels, (r + 1) * positions * channels);
    const real = (p: number): boolean => mask === undefined || (mask[r * positions + p] ?? 0) !== 0;
    out.push(poolRow(row, positions, channels, pooling, real, r));
  }
  return out;
}

function poolRow(
  row: Float32Array,
  positions: number,
  channels: number,
  pooling: PoolingName,
  real: (p: number) => boolean,
  index: number,
): Float32Array {
  if (pooling === 'cls') {
    return row.slice(0, channels);
  }
  if (pooling === 'flatten') {
    const v = row.slice();
    for (let p = 0; p < positions; p++) {
      if (!real(p)) {
        v.fill(0, p * channels, (p + 1) * channels);
      }
    }
    return v;
  }
  const sum = new Float64Array(channels);
  const max = new Float32Array(channels).fill(-Infinity);
  let count = 0;
  for (let p = 0; p < positions; p++) {
    if (!real(p)) {
      continue;
    }
    count++;
    const base = p * channels;
    for (let k = 0; k < channels; k++) {
      const x = row[base + k] as number;
      sum[k] = (sum[k] as number) + x;
      if (x > (max[k] as number)) {
        max[k] = x;
      }
    }
  }
  if (count === 0) {
    throw invalid(`row ${index} has no real position to ${pooling}-pool (its mask is all zeros)`);
  }
  const mean = new Float32Array(channels);
  for (let k = 0; k < channels; k++) {
    mean[k] = (sum[k] as number) / count;
  }
  if (pooling === 'mean') {
    return mean;
  }
  if (pooling === 'max') {
    return max;
  }
  const both = new Float32Array(2 * channels);
  both.set(mean, 0);
  both.set(max, channels);
  return both;
}

/**
 * Moves axis `axis` of `tensor` to the end (e.g. NCHW → NHWC), so a channels-first tensor can be
 * pooled; returns the tensor itself when the axis already is last.
 */
export function moveAxisLast(tensor: FeatureTensor, axis: number): FeatureTensor {
  const { dims, data } = tensor;
  if (!Number.isInteger(axis) || axis < 0 || axis >= dims.length) {
    throw invalid(`axis ${axis} is outside a tensor of rank ${dims.length}`);
  }
  if (axis === dims.length - 1) {
    return tensor;
  }
  const outer = dims.slice(0, axis).reduce((a, b) => a * b, 1);
  const moved = dims[axis] as number;
  const inner = dims.slice(axis + 1).reduce((a, b) => a * b, 1);
  const out = new Float32Array(data.length);
  for (let o = 0; o < outer; o++) {
    const base = o * moved * inner;
    for (let c = 0; c < moved; c++) {
      for (let i = 0; i < inner; i++) {
        out[base + i * moved + c] = data[base + c * inner + i] as number;
      }
    }
  }
  return { data: out, dims: [...dims.slice(0, axis), ...dims.slice(axis + 1), moved] };
}

function shapeOf(dims: readonly number[]): { rows: number; positions: number; channels: number } {
  if (dims.length < 2 || dims.some((d) => !Number.isInteger(d) || d < 0)) {
    throw invalid(`cannot pool a tensor of dims [${dims.join(', ')}]: expected [N, ...positions, D]`);
  }
  return {
    rows: dims[0] as number,
    positions: dims.slice(1, -1).reduce((a, b) => a * b, 1),
    channels: dims.at(-1) as number,
  };
}

function invalid(message: string): ModelhubError {
  return new ModelhubError('INVALID_ARGUMENT', `Pooling: ${message}.`, {
    hint: 'Pass a channels-last tensor [N, ...positions, D] and, optionally, a mask of N × positions values.',
  });
}
