import { singleOutputNode, type NodeSpec, type TensorSpec } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';

/** Poolings over real positions only (what core's `poolFeatures` does with a mask). */
export type MaskedPooling = 'mean' | 'max' | 'meanmax';

export interface MaskedPoolingPlan {
  /** The float tensor to pool, e.g. `[N, T, D]` token vectors or `[W, D]` window vectors. */
  readonly values: string;
  /** A float mask broadcastable to `values` (1 = real, 0 = padding), e.g. `[N, T, 1]` or `[W, 1]`. */
  readonly mask: string;
  /** The axis pooled over. */
  readonly axis: number;
  /** Keep the pooled axis as size 1 (`[1, D]` from `[W, D]`) or drop it (`[N, D]` from `[N, T, D]`). */
  readonly keepdims: boolean;
  readonly pooling: MaskedPooling;
  /** Name of the pooled output; the last axis holds the features (mean then max for meanmax). */
  readonly output: string;
  /** Prefix of every intermediate name. */
  readonly prefix: string;
  /** The graph's opset: ReduceSum takes its axes as an input from 13 on, ReduceMax from 18 on. */
  readonly opset: number;
}

/**
 * Nodes that pool `values` over `axis`, using the real positions only: the mean sums in float64
 * and divides by the count of real positions (as JavaScript does, so results agree to float32
 * rounding), the max ignores padded positions (they become −∞ first).
 */
export function maskedPoolingNodes(plan: MaskedPoolingPlan): { nodes: NodeSpec[]; tensors: TensorSpec[] } {
  const n = (name: string): string => `${plan.prefix}${name}`;
  const keepdims = plan.keepdims ? 1 : 0;
  // Only when a reduction takes its axes as an input: onnxruntime warns about unused initializers,
  // and a plain user of the exported file would see that warning on every load.
  const axesAsInput =
    (plan.pooling !== 'max' && plan.opset >= 13) || (plan.pooling !== 'mean' && plan.opset >= 18);
  const tensors: TensorSpec[] = axesAsInput
    ? [
        {
          name: n('pool_axes'),
          dims: [1],
          dataType: DataType.int64,
          values: BigInt64Array.of(BigInt(plan.axis)),
        },
      ]
    : [];
  const node = singleOutputNode;
  const reduce = (op: 'ReduceSum' | 'ReduceMax', input: string, output: string): NodeSpec =>
    plan.opset >= (op === 'ReduceSum' ? 13 : 18)
      ? node(op, [input, n('pool_axes')], output, { keepdims })
      : node(op, [input], output, { axes: [plan.axis], keepdims });
  const meanOut = plan.pooling === 'mean' ? plan.output : n('pooled_mean');
  const maxOut = plan.pooling === 'max' ? plan.output : n('pooled_max');
  const nodes: NodeSpec[] = [];
  if (plan.pooling !== 'max') {
    nodes.push(
      node('Cast', [plan.values], n('values_f64'), { to: DataType.double }),
      node('Cast', [plan.mask], n('mask_f64'), { to: DataType.double }),
      node('Mul', [n('values_f64'), n('mask_f64')], n('masked_f64')),
      reduce('ReduceSum', n('masked_f64'), n('sum')),
      reduce('ReduceSum', n('mask_f64'), n('count')),
      node('Div', [n('sum'), n('count')], n('mean_f64')),
      node('Cast', [n('mean_f64')], meanOut, { to: DataType.float }),
    );
  }
  if (plan.pooling !== 'mean') {
    tensors.push(
      { name: n('zero'), dims: [], dataType: DataType.float, values: Float32Array.of(0) },
      { name: n('minus_inf'), dims: [], dataType: DataType.float, values: Float32Array.of(-Infinity) },
    );
    nodes.push(
      node('Greater', [plan.mask, n('zero')], n('real')),
      node('Where', [n('real'), plan.values, n('minus_inf')], n('masked_values')),
      reduce('ReduceMax', n('masked_values'), maxOut),
    );
  }
  if (plan.pooling === 'meanmax') {
    nodes.push(node('Concat', [meanOut, maxOut], plan.output, { axis: -1 }));
  }
  return { nodes, tensors };
}
