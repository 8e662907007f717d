import { poolFeatures, pooledDim } from '@modelhub/core';
import type { FeatureTap, PreprocessSpec } from '@modelhub/core';
import { positionMask } from '@modelhub/vision';

/** How a TF.js tap's output (channels last, as TF.js lays out every tensor) becomes one vector per image. */
export interface TfjsPoolPlan {
  /** As recorded in the tap: `none` for a rank-2 tap, else a shared pooling name. */
  readonly pooling: FeatureTap['pooling'];
  readonly rank: number;
  /** True when only the positions covering the real (unpadded) image are pooled. */
  readonly masked: boolean;
  readonly dim: number;
}

/**
 * Plans pooling from the tap's output shape (batch included): rank 2 is the vector; otherwise
 * every axis between batch and channels is pooled (default `mean`). A rank-4 map's rows and
 * columns follow the image, so they are masked when the preprocessing pads.
 */
export function planTfjsPooling(
  shape: readonly number[],
  requested: FeatureTap['pooling'] | undefined,
  mask: boolean,
  spec: PreprocessSpec,
): TfjsPoolPlan {
  const rank = shape.length;
  if (rank <= 2) {
    return { pooling: 'none', rank, masked: false, dim: Math.max(0, shape[1] ?? 1) };
  }
  const pooling =
    requested === 'none' ? 'flatten' : requested === undefined || requested === 'avg' ? 'mean' : requested;
  const masked = mask && spec.pad !== null && rank === 4 && pooling !== 'cls';
  // The batch axis (and any free axis: -1 in a layer's declared shape) does not change the length.
  const known = [1, ...shape.slice(1).map((d) => Math.max(0, d))];
  return { pooling, rank, masked, dim: pooledDim(known, pooling) };
}

/** The mask rule recorded in the tap for a masking plan. */
export function tfjsMaskRule(plan: TfjsPoolPlan): FeatureTap['mask'] {
  return plan.masked
    ? {
        rule: 'receptive-field-centre',
        axes: [
          { axis: 1, input: 'height' },
          { axis: 2, input: 'width' },
        ],
      }
    : undefined;
}

/** Pools one batch of tap outputs with the shared pooling; `valid` is each image's real region. */
export function poolTfjsBatch(
  out: { readonly data: Float32Array; readonly shape: readonly number[] },
  plan: TfjsPoolPlan,
  inputSize: { readonly height: number; readonly width: number },
  valid: ReadonlyArray<{ readonly height: number; readonly width: number }>,
): Float32Array[] {
  const dims = plan.rank <= 1 ? [out.shape[0] ?? 0, 1] : out.shape;
  if (plan.pooling === 'none') {
    return poolFeatures({ data: out.data, dims }, 'flatten');
  }
  const mask = plan.masked
    ? positionMask(
        [
          { length: dims[1] ?? 0, input: 'height' },
          { length: dims[2] ?? 0, input: 'width' },
        ],
        inputSize,
        valid,
      )
    : undefined;
  return poolFeatures({ data: out.data, dims }, plan.pooling === 'avg' ? 'mean' : plan.pooling, mask);
}
