import { ModelhubError } from '@modelhub/core';
import type { FeatureTap } from '@modelhub/core';

/** How a tapped tensor's axes are laid out, decided once from a probe run. */
export interface PoolPlan {
  readonly pooling: FeatureTap['pooling'];
  /** Rank of the tapped tensor including the batch axis. */
  readonly rank: number;
  /** For rank 4: whether channels come second (NCHW) or last (NHWC). */
  readonly channelsLast: boolean;
  /** Length of each pooled vector. */
  readonly dim: number;
}

/**
 * Decides pooling from the tapped tensor's dims (batch included) and the feature length the
 * classifier weight implies (0 when unknown): rank 2 → none; rank 3 [N,T,D] → mean (or cls);
 * rank 4 → average over space, channel axis found by matching `expectedDim`.
 */
export function planPooling(
  dims: readonly number[],
  expectedDim: number,
  requested: FeatureTap['pooling'] | undefined,
  tensor: string,
): PoolPlan {
  const rank = dims.length;
  const at = (i: number): number => dims[i] ?? 0;
  if (rank === 2) {
    return { pooling: 'none', rank, channelsLast: true, dim: at(1) };
  }
  if (rank === 3) {
    const pooling = requested === 'cls' || requested === 'flatten' ? requested : 'mean';
    return { pooling, rank, channelsLast: true, dim: pooling === 'flatten' ? at(1) * at(2) : at(2) };
  }
  if (rank === 4) {
    const channelsLast = expectedDim > 0 ? at(3) === expectedDim && at(1) !== expectedDim : false;
    const pooling = requested === 'flatten' ? 'flatten' : 'avg';
    const channels = channelsLast ? at(3) : at(1);
    return { pooling, rank, channelsLast, dim: pooling === 'flatten' ? at(1) * at(2) * at(3) : channels };
  }
  throw new ModelhubError(
    'UNSUPPORTED_MODEL',
    `The feature tensor "${tensor}" has rank ${rank} ([${dims.join(', ')}]); only ranks 2, 3 and 4 can be pooled to vectors.`,
    { hint: 'Choose another tensor with --layer NAME (`hub inspect MODEL` lists candidates).' },
  );
}

/** Pools a batch of tapped activations (`dims` with batch axis first) into one vector per row. */
export function poolBatch(data: Float32Array, dims: readonly number[], plan: PoolPlan): Float32Array[] {
  const n = dims[0] ?? 0;
  const per = n === 0 ? 0 : data.length / n;
  const out: Float32Array[] = [];
  for (let r = 0; r < n; r++) {
    const row = data.subarray(r * per, (r + 1) * per);
    out.push(poolRow(row, dims, plan));
  }
  return out;
}

function poolRow(row: Float32Array, dims: readonly number[], plan: PoolPlan): Float32Array {
  if (plan.pooling === 'none' || plan.pooling === 'flatten') {
    return row.slice();
  }
  const d = plan.dim;
  const v = new Float32Array(d);
  if (plan.rank === 3) {
    const t = dims[1] ?? 0;
    if (plan.pooling === 'cls') {
      return row.slice(0, d);
    }
    for (let i = 0; i < t; i++) {
      for (let k = 0; k < d; k++) {
        v[k] = (v[k] ?? 0) + (row[i * d + k] ?? 0);
      }
    }
    return scale(v, t);
  }
  // rank 4, average over the two spatial axes
  if (plan.channelsLast) {
    const space = (dims[1] ?? 0) * (dims[2] ?? 0);
    for (let p = 0; p < space; p++) {
      for (let k = 0; k < d; k++) {
        v[k] = (v[k] ?? 0) + (row[p * d + k] ?? 0);
      }
    }
    return scale(v, space);
  }
  const space = (dims[2] ?? 0) * (dims[3] ?? 0);
  for (let k = 0; k < d; k++) {
    let s = 0;
    const base = k * space;
    for (let p = 0; p < space; p++) {
      s += row[base + p] ?? 0;
    }
    v[k] = s;
  }
  return scale(v, space);
}

function scale(v: Float32Array, count: number): Float32Array {
  if (count > 0) {
    for (let k = 0; k < v.length; k++) {
      v[k] = (v[k] ?? 0) / count;
    }
  }
  return v;
}
