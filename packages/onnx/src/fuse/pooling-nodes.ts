import type { NodeSpec, TensorSpec, ValueInfoSpec } from '../model/build-model.ts';
import { FuseGraph, type FuseMaskInput } from './fuse-graph.ts';

/**
 * How the tapped tensor becomes the head's `[N, D]` features, as the adapter pools it in JS
 * (`poolFeatures` of `@modelhub/core` over the tensor made channels-last).
 */
export interface FusePooling {
  /** `none` for a rank-2 tap; otherwise a shared pooling name. */
  readonly kind: 'none' | 'mean' | 'max' | 'meanmax' | 'cls' | 'flatten';
  /** Rank of the tapped tensor (batch axis included). */
  readonly rank: number;
  /** Its channel axis; every other non-batch axis is a position axis. */
  readonly channelAxis: number;
  /**
   * Pool only the positions covering the real image. The fused model then takes a second input,
   * `valid_size` float32 `[N, 2]`: the height and width (input pixels) of each image before padding.
   */
  readonly mask?: FuseMaskInput & {
    readonly axes: ReadonlyArray<{ readonly axis: number; readonly input: 'height' | 'width' }>;
  };
}

export { VALID_SIZE_INPUT } from './fuse-graph.ts';

/** Nodes, initializers and extra graph inputs that pool the tap into `output`. */
export interface PoolingGraph {
  readonly nodes: NodeSpec[];
  readonly tensors: TensorSpec[];
  readonly inputs: ValueInfoSpec[];
  readonly output: string;
}

/**
 * Builds the pooling part of a fused graph in the backbone's own opset (≥ 9 when masked), into
 * `graph` when given (so a fused graph with several pooled tensors declares `valid_size` once).
 * The mask follows the adapter's rule (`FuseGraph.axisMask`).
 */
export function poolingNodes(
  tap: string,
  pooling: FusePooling,
  opset: number,
  unique: (name: string) => string,
  graph: FuseGraph = new FuseGraph(opset, unique),
): PoolingGraph {
  const { nodes, tensors, inputs } = graph;
  if (pooling.kind === 'none') {
    return { nodes, tensors, inputs, output: tap };
  }
  const constant = graph.constant.bind(graph);
  const node = graph.node.bind(graph);
  const withAxes = graph.withAxes.bind(graph);

  const { rank, channelAxis } = pooling;
  const positions = Array.from({ length: rank - 1 }, (_, i) => i + 1).filter((a) => a !== channelAxis);

  // The mask, broadcastable to the tap: [N, …] with 1 on unmasked axes.
  let mask: string | undefined;
  if (pooling.mask !== undefined && pooling.kind !== 'cls') {
    for (const { axis, input } of pooling.mask.axes) {
      const axisMask = graph.axisMask(tap, axis, input, pooling.mask); // [N, L]
      const others = Array.from({ length: rank }, (_, i) => i).filter((i) => i !== 0 && i !== axis);
      const shaped = withAxes('Unsqueeze', axisMask, others);
      mask = mask === undefined ? shaped : node('Mul', [mask, shaped]);
    }
  }

  const channelsLastPerm = [0, ...positions, channelAxis];
  const isChannelsLast = channelAxis === rank - 1;
  const meanOf = (): string => {
    if (mask === undefined) {
      return withAxes('ReduceMean', tap, positions, { keepdims: 0 });
    }
    const sum = withAxes('ReduceSum', node('Mul', [tap, mask]), positions, { keepdims: 0 });
    const count = withAxes('ReduceSum', node('Expand', [mask, node('Shape', [tap])]), positions, {
      keepdims: 0,
    });
    return node('Div', [sum, count]);
  };
  const maxOf = (): string => {
    const source =
      mask === undefined
        ? tap
        : node('Add', [
            tap,
            node('Mul', [
              node('Sub', [mask, constant('one', [1], new Float32Array([1]))]),
              constant('big', [1], new Float32Array([3e38])),
            ]),
          ]);
    return withAxes('ReduceMax', source, positions, { keepdims: 0 });
  };
  let output: string;
  switch (pooling.kind) {
    case 'mean':
      output = meanOf();
      break;
    case 'max':
      output = maxOf();
      break;
    case 'meanmax':
      output = node('Concat', [meanOf(), maxOf()], { axis: 1 });
      break;
    case 'cls': {
      // position 0 of every position axis, last axis first so the others keep their index
      output = tap;
      for (const axis of [...positions].reverse()) {
        output = node('Gather', [output, graph.ints('index', [0], [])], { axis });
      }
      break;
    }
    case 'flatten': {
      const zeroed = mask === undefined ? tap : node('Mul', [tap, mask]);
      const ordered = isChannelsLast ? zeroed : node('Transpose', [zeroed], { perm: channelsLastPerm });
      output = node('Flatten', [ordered], { axis: 1 });
      break;
    }
  }
  return { nodes, tensors, inputs, output };
}
