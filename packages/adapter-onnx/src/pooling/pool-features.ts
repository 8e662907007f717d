import { ModelhubError, moveAxisLast, poolFeatures } from '@modelhub/core';
import type { FeatureTap, PoolingName } from '@modelhub/core';

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

/** The shared pooling name for a tap's pooling (`avg` is the older name of `mean` over space). */
function sharedPooling(pooling: FeatureTap['pooling']): PoolingName {
  return pooling === 'avg' ? 'mean' : pooling === 'none' ? 'flatten' : pooling;
}

/**
 * Pools a batch of tapped activations (`dims` with batch axis first) into one vector per row with
 * the shared pooling of `@modelhub/core`; a channels-first map is made channels-last first, except
 * for `flatten`, which keeps the tensor's order.
 */
export function poolBatch(data: Float32Array, dims: readonly number[], plan: PoolPlan): Float32Array[] {
  const pooling = sharedPooling(plan.pooling);
  if (pooling === 'flatten') {
    // The tensor's own order, as ONNX Flatten in a fused export lays it out.
    return poolFeatures({ data, dims: [dims[0] ?? 0, data.length / Math.max(1, dims[0] ?? 0)] }, 'flatten');
  }
  const tensor = plan.rank === 4 && !plan.channelsLast ? moveAxisLast({ data, dims }, 1) : { data, dims };
  return poolFeatures(tensor, pooling);
}
