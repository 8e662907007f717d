import { ModelhubError, moveAxisLast, poolFeatures, poolGrid, pooledDim } from '@modelhub/core';
import type { FeatureTap, FeatureView, GridSize, PoolingName } from '@modelhub/core';
import { positionMask, realPositions } from '@modelhub/vision';
import type { InputAxis } from '@modelhub/vision';

/** A position axis of the tapped tensor and the input axis it follows (undefined: none). */
export interface PlannedAxis {
  /** Index in the tensor's dims (batch axis = 0). */
  readonly axis: number;
  readonly input: InputAxis | undefined;
}

/** How a tapped tensor becomes one vector per image, decided once from probe runs. */
export interface PoolPlan {
  /** As recorded in the tap: `none` for a rank-2 tap, else one of the shared pooling names. */
  readonly pooling: FeatureTap['pooling'];
  /** Rank of the tapped tensor including the batch axis. */
  readonly rank: number;
  /** Index of the channel axis (the last one for channels-last tensors). */
  readonly channelAxis: number;
  /** The other non-batch axes, in order: what pooling reduces. */
  readonly positions: readonly PlannedAxis[];
  /** True when only the positions covering the real (unpadded) image are pooled. */
  readonly masked: boolean;
  /** Length of each pooled vector. */
  readonly dim: number;
}

/** What the plan needs to know besides the tensor's dims. */
export interface PlanContext {
  /** Feature length the classifier weight implies (0 when unknown). */
  readonly expectedDim: number;
  readonly requested: FeatureTap['pooling'] | undefined;
  /** Tensor name, for errors. */
  readonly tensor: string;
  /** For each axis of the tensor, the input axis its length follows (from probe runs at two sizes). */
  readonly traced: ReadonlyArray<InputAxis | undefined> | undefined;
  /** Layout of the model input, the fallback for a rank-4 tap's channel axis. */
  readonly inputLayout: 'NCHW' | 'NHWC';
  /** Mask the padded positions (the preprocessing pads and the caller did not turn it off). */
  readonly mask: boolean;
}

/** The shared pooling name a tap's pooling stands for (`avg` is the older name of `mean`). */
export function sharedPooling(pooling: FeatureTap['pooling']): PoolingName {
  return pooling === 'avg' ? 'mean' : pooling === 'none' ? 'flatten' : pooling;
}

function channelAxisOf(dims: readonly number[], context: PlanContext): number {
  const rank = dims.length;
  const { expectedDim, traced } = context;
  const candidates = rank === 3 ? [2, 1] : [1, 3];
  if (expectedDim > 0) {
    const matching = candidates.filter((a) => dims[a] === expectedDim);
    if (matching.length === 1 && matching[0] !== undefined) {
      return matching[0];
    }
  }
  // An axis whose length follows the image size is a position axis, not the channels.
  const fixed = candidates.filter((a) => traced?.[a] === undefined);
  if (traced !== undefined && fixed.length === 1 && fixed[0] !== undefined) {
    return fixed[0];
  }
  if (rank === 3) {
    return 2;
  }
  return context.inputLayout === 'NHWC' ? 3 : 1;
}

/**
 * Decides how to pool a tap from its dims (batch included): rank 2 is the vector itself; rank 3
 * and 4 are pooled over their position axes (default `mean`), the channel axis found from the
 * classifier weight's length, from which axes follow the image size, or from the input layout.
 * Position axes that follow the image (probe runs at two sizes, or a rank-4 map's rows and
 * columns) are masked when the preprocessing pads.
 */
export function planPooling(dims: readonly number[], context: PlanContext): PoolPlan {
  const rank = dims.length;
  if (rank === 2) {
    return { pooling: 'none', rank, channelAxis: 1, positions: [], masked: false, dim: dims[1] ?? 0 };
  }
  if (rank !== 3 && rank !== 4) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `The feature tensor "${context.tensor}" has rank ${rank} ([${dims.join(', ')}]); only ranks 2, 3 and 4 can be pooled to vectors.`,
      { hint: 'Choose another tensor with --layer NAME (`hub inspect MODEL` lists candidates).' },
    );
  }
  const channelAxis = channelAxisOf(dims, context);
  const spatial = [1, 2, 3].slice(0, rank - 1).filter((a) => a !== channelAxis);
  const positions: PlannedAxis[] = spatial.map((axis, i) => {
    const traced = context.traced?.[axis];
    if (context.traced !== undefined || rank === 3) {
      return { axis, input: traced };
    }
    // A fixed-size rank-4 map: its rows follow the image height, its columns the width.
    return { axis, input: i === 0 ? 'height' : 'width' };
  });
  const name = sharedPooling(context.requested ?? 'mean');
  const pooling: FeatureTap['pooling'] = name;
  const lastDims = [dims[0] ?? 1, ...spatial.map((a) => dims[a] ?? 0), dims[channelAxis] ?? 0];
  const masked = context.mask && name !== 'cls' && positions.some((p) => p.input !== undefined);
  return { pooling, rank, channelAxis, positions, masked, dim: pooledDim(lastDims, name) };
}

/** The rule recorded in the tap when a plan masks: which tensor axes follow which input axis. */
export function maskRule(plan: PoolPlan): FeatureTap['mask'] {
  if (!plan.masked) {
    return undefined;
  }
  const axes = plan.positions.flatMap((p) =>
    p.input === undefined ? [] : [{ axis: p.axis, input: p.input }],
  );
  return { rule: 'receptive-field-centre', axes };
}

/**
 * Pools a batch of tapped activations (`dims` with the batch axis first) into one vector per image
 * with the shared pooling of `@modelhub/core`, channels moved last first. With a masking plan,
 * `inputSize` is the (padded) input the batch ran at and `valid` each image's real region.
 */
export function poolBatch(
  data: Float32Array,
  dims: readonly number[],
  plan: PoolPlan,
  inputSize?: { readonly height: number; readonly width: number },
  valid?: ReadonlyArray<{ readonly height: number; readonly width: number }>,
): Float32Array[] {
  if (plan.rank === 2) {
    return poolFeatures({ data, dims }, 'flatten');
  }
  const tensor = moveAxisLast({ data, dims }, plan.channelAxis);
  const mask =
    plan.masked && inputSize !== undefined && valid !== undefined
      ? positionMask(
          plan.positions.map((p) => ({ length: dims[p.axis] ?? 0, input: p.input })),
          inputSize,
          valid,
        )
      : undefined;
  return poolFeatures(tensor, sharedPooling(plan.pooling), mask);
}

/** A grid view of a feature map (`feature.views`), pooled from the same run as its variant's tap. */
export interface GridViewPlan {
  readonly view: FeatureView;
  /** The map's channel axis and its two position axes (rows, then columns), and whether they are masked. */
  readonly plan: PoolPlan;
}

/**
 * Plans a grid view of the map `context.tensor` (`dims` with the batch axis first): its channel
 * and position axes as {@link planPooling} finds them, masked as a pooled tap would be.
 *
 * @throws ModelhubError `UNSUPPORTED_MODEL` when the tensor is not a rank-4 map.
 */
export function planGridView(
  dims: readonly number[],
  context: Omit<PlanContext, 'requested' | 'expectedDim'>,
  grid: GridSize,
  weight: number,
): GridViewPlan {
  if (dims.length !== 4) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `The tensor "${context.tensor}" has rank ${dims.length} ([${dims.join(', ')}]); a grid view needs a feature map of rank 4.`,
      { hint: 'Train the head again without the grid view (hub train --no-grid-views).' },
    );
  }
  const plan = planPooling(dims, { ...context, requested: 'mean', expectedDim: 0 });
  const dim = grid.rows * grid.cols * (dims[plan.channelAxis] ?? 0);
  const mask = maskRule(plan);
  const view: FeatureView = {
    tensor: context.tensor,
    pooling: 'grid',
    grid: { rows: grid.rows, cols: grid.cols },
    weight,
    dim,
    ...(mask === undefined ? {} : { mask }),
  };
  return { view, plan: { ...plan, dim } };
}

/**
 * Averages a batch of a tapped map on the view's grid, laid over each image's real part when the
 * plan masks (`inputSize`: the padded input the batch ran at; `valid`: each image's real region).
 */
export function poolGridBatch(
  data: Float32Array,
  dims: readonly number[],
  view: GridViewPlan,
  inputSize?: { readonly height: number; readonly width: number },
  valid?: ReadonlyArray<{ readonly height: number; readonly width: number }>,
): Float32Array[] {
  const { plan } = view;
  const tensor = moveAxisLast({ data, dims }, plan.channelAxis);
  const [rows, cols] = plan.positions;
  const count = (
    axis: PlannedAxis | undefined,
    region: { readonly height: number; readonly width: number },
    size: { readonly height: number; readonly width: number },
  ): number => {
    const length = axis === undefined ? 1 : (dims[axis.axis] ?? 0);
    return axis?.input === undefined ? length : realPositions(length, size[axis.input], region[axis.input]);
  };
  const extents =
    plan.masked && inputSize !== undefined && valid !== undefined
      ? valid.map((region) => ({
          rows: count(rows, region, inputSize),
          cols: count(cols, region, inputSize),
        }))
      : undefined;
  return poolGrid(tensor, view.view.grid, extents);
}
