import { ModelhubError } from '@modelhub/core';

import type { NodeSpec, TensorSpec, ValueInfoSpec } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';

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
  readonly mask?: {
    readonly axes: ReadonlyArray<{ readonly axis: number; readonly input: 'height' | 'width' }>;
    /** The image input and which of its axes are height and width. */
    readonly imageInput: string;
    readonly imageAxes: { readonly height: number; readonly width: number };
    /** An upper bound on positions along a masked axis (the largest input size is enough). */
    readonly maxPositions: number;
  };
}

/** Name of the extra input of a fused model whose pooling is masked. */
export const VALID_SIZE_INPUT = 'valid_size';

/** Nodes, initializers and extra graph inputs that pool the tap into `output`. */
export interface PoolingGraph {
  readonly nodes: NodeSpec[];
  readonly tensors: TensorSpec[];
  readonly inputs: ValueInfoSpec[];
  readonly output: string;
}

const i64 = (values: readonly number[]): BigInt64Array => BigInt64Array.from(values.map(BigInt));

/**
 * Builds the pooling part of a fused graph in the backbone's own opset (≥ 9 when masked): axes go
 * in attributes or inputs as that opset wants. The mask follows the adapter's rule: position `i`
 * of a masked axis is real when `(i + ½)·stride < valid extent` (`stride` = input size ÷ axis
 * length), and position 0 always is. Positions are counted by a 1-D convolution of ones with a
 * ones kernel (opset 9 has no Range or CumSum).
 */
export function poolingNodes(
  tap: string,
  pooling: FusePooling,
  opset: number,
  unique: (name: string) => string,
): PoolingGraph {
  const nodes: NodeSpec[] = [];
  const tensors: TensorSpec[] = [];
  const inputs: ValueInfoSpec[] = [];
  if (pooling.kind === 'none') {
    return { nodes, tensors, inputs, output: tap };
  }
  const constant = (name: string, dims: readonly number[], values: BigInt64Array | Float32Array): string => {
    const id = unique(`modelhub/${name}`);
    tensors.push({
      name: id,
      dims,
      dataType: values instanceof Float32Array ? DataType.float : DataType.int64,
      values,
    });
    return id;
  };
  const node = (
    opType: string,
    ins: readonly string[],
    attributes: NodeSpec['attributes'] = {},
    name = opType.toLowerCase(),
  ): string => {
    const out = unique(`modelhub/${name}`);
    nodes.push({ opType, name: out, inputs: ins, outputs: [out], attributes });
    return out;
  };
  const axesAsInput = (op: string): boolean =>
    op === 'ReduceSum' || op === 'Unsqueeze' || op === 'Squeeze' ? opset >= 13 : opset >= 18;
  const withAxes = (
    op: string,
    x: string,
    axes: readonly number[],
    attributes: NodeSpec['attributes'] = {},
  ): string =>
    axesAsInput(op)
      ? node(op, [x, constant('axes', [axes.length], i64(axes))], attributes)
      : node(op, [x], { ...attributes, axes: [...axes] });

  const { rank, channelAxis } = pooling;
  const positions = Array.from({ length: rank - 1 }, (_, i) => i + 1).filter((a) => a !== channelAxis);

  // The mask, broadcastable to the tap: [N, …] with 1 on unmasked axes.
  let mask: string | undefined;
  if (pooling.mask !== undefined && pooling.kind !== 'cls') {
    if (opset < 9) {
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `masked pooling cannot be fused into a backbone of opset ${opset} (it needs opset 9 or later)`,
        { hint: 'Use the head through fromPretrained() or hub predict instead.' },
      );
    }
    const m = pooling.mask;
    inputs.push({ name: VALID_SIZE_INPUT, elemType: DataType.float, dims: ['N', 2] });
    const tapShape = node('Shape', [tap], {}, 'tap_shape');
    const imageShape = node('Shape', [m.imageInput], {}, 'image_shape');
    const kernel = constant('ones_kernel', [1, 1, m.maxPositions], new Float32Array(m.maxPositions).fill(1));
    for (const { axis, input } of m.axes) {
      // L (as a 1-D [1] tensor), the input size S, and stride = S / L
      const length1d = node('Gather', [tapShape, constant('axis', [1], i64([axis]))], { axis: 0 });
      const size1d = node('Gather', [imageShape, constant('axis', [1], i64([m.imageAxes[input]]))], {
        axis: 0,
      });
      const stride = node('Div', [
        node('Cast', [size1d], { to: DataType.float }),
        node('Cast', [length1d], { to: DataType.float }),
      ]);
      // ramp = 1, 2, …, L: a ones kernel slid over L ones, zero-padded on the left
      const ones = node('Add', [
        node('ConstantOfShape', [length1d]),
        constant('one', [1], new Float32Array([1])),
      ]);
      const ones3d = node('Reshape', [ones, constant('shape', [3], i64([1, 1, -1]))]);
      const counted = node('Conv', [ones3d, kernel], {
        pads: [m.maxPositions - 1, 0],
        kernel_shape: [m.maxPositions],
      });
      const ramp = node('Reshape', [counted, constant('shape', [1], i64([-1]))]);
      // centre of position i = (i + ½)·stride = (ramp − ½)·stride
      const centre = node('Mul', [
        node('Sub', [ramp, constant('half', [1], new Float32Array([0.5]))]),
        stride,
      ]);
      const extent = withAxes(
        'Unsqueeze',
        node('Gather', [VALID_SIZE_INPUT, constant('index', [], i64([input === 'height' ? 0 : 1]))], {
          axis: 1,
        }),
        [1],
      );
      const inside = node('Cast', [node('Less', [centre, extent])], { to: DataType.float });
      const first = node('Cast', [node('Less', [ramp, constant('one_half', [1], new Float32Array([1.5]))])], {
        to: DataType.float,
      });
      const axisMask = node('Max', [inside, first]); // [N, L]
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
        output = node('Gather', [output, constant('index', [], i64([0]))], { axis });
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
