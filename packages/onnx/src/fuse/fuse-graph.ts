import { ModelhubError } from '@modelhub/core';

import type { NodeSpec, TensorSpec, ValueInfoSpec } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';

/** Name of the extra input of a fused model whose pooling is masked. */
export const VALID_SIZE_INPUT = 'valid_size';

/** Which axes of the model input the masked axes follow, and a bound on positions along them. */
export interface FuseMaskInput {
  /** The image input and which of its axes are height and width. */
  readonly imageInput: string;
  readonly imageAxes: { readonly height: number; readonly width: number };
  /** An upper bound on positions along a masked axis (the largest input size is enough). */
  readonly maxPositions: number;
}

const i64 = (values: readonly number[]): BigInt64Array => BigInt64Array.from(values.map(BigInt));

/**
 * Collects the nodes, initializers and extra inputs that modelhub adds to a fused graph (pooling,
 * grid views, joining), in the backbone's own opset: axes go in attributes or inputs as that opset
 * wants, every name is made unique under `modelhub/`.
 */
export class FuseGraph {
  readonly nodes: NodeSpec[] = [];
  readonly tensors: TensorSpec[] = [];
  readonly inputs: ValueInfoSpec[] = [];
  readonly opset: number;
  private readonly unique: (name: string) => string;
  /** Ramps already built, by tensor and axis, and the ones kernels by length: each is built once. */
  private readonly ramps = new Map<string, { ramp: string; length: string }>();
  private readonly kernels = new Map<number, string>();

  constructor(opset: number, unique: (name: string) => string) {
    this.opset = opset;
    this.unique = unique;
  }

  /** An initializer; float32 for a Float32Array, int64 otherwise. */
  constant(name: string, dims: readonly number[], values: BigInt64Array | Float32Array): string {
    const id = this.unique(`modelhub/${name}`);
    this.tensors.push({
      name: id,
      dims,
      dataType: values instanceof Float32Array ? DataType.float : DataType.int64,
      values,
    });
    return id;
  }

  /** An int64 initializer. */
  ints(name: string, values: readonly number[], dims: readonly number[] = [values.length]): string {
    return this.constant(name, dims, i64(values));
  }

  /** One node with one output; returns the output's name. */
  node(
    opType: string,
    ins: readonly string[],
    attributes: NodeSpec['attributes'] = {},
    name = opType.toLowerCase(),
  ): string {
    const out = this.unique(`modelhub/${name}`);
    this.nodes.push({ opType, name: out, inputs: ins, outputs: [out], attributes });
    return out;
  }

  /** A node whose `axes` is an input or an attribute, as the opset wants for that op. */
  withAxes(op: string, x: string, axes: readonly number[], attributes: NodeSpec['attributes'] = {}): string {
    const asInput =
      op === 'ReduceSum' || op === 'Unsqueeze' || op === 'Squeeze' ? this.opset >= 13 : this.opset >= 18;
    return asInput
      ? this.node(op, [x, this.ints('axes', axes)], attributes)
      : this.node(op, [x], { ...attributes, axes: [...axes] });
  }

  /** The `valid_size` input `[N, 2]` (height, width before padding), declared once. */
  validSize(): string {
    if (!this.inputs.some((i) => i.name === VALID_SIZE_INPUT)) {
      this.inputs.push({ name: VALID_SIZE_INPUT, elemType: DataType.float, dims: ['N', 2] });
    }
    return VALID_SIZE_INPUT;
  }

  /** `1, 2, …, L` as float `[L]`, L the length of `tensor`'s `axis` (opset 9 has no Range). */
  ramp(tensor: string, axis: number, maxPositions: number): { ramp: string; length: string } {
    const key = JSON.stringify([tensor, axis]);
    const built = this.ramps.get(key);
    if (built !== undefined) {
      return built;
    }
    const length = this.node(
      'Gather',
      [this.node('Shape', [tensor], {}, 'shape'), this.ints('axis', [axis])],
      {
        axis: 0,
      },
    );
    // a ones kernel slid over L ones, zero-padded on the left
    const ones = this.node('Add', [
      this.node('ConstantOfShape', [length]),
      this.constant('one', [1], Float32Array.of(1)),
    ]);
    const ones3d = this.node('Reshape', [ones, this.ints('shape', [1, 1, -1])]);
    let kernel = this.kernels.get(maxPositions);
    if (kernel === undefined) {
      kernel = this.constant('ones_kernel', [1, 1, maxPositions], new Float32Array(maxPositions).fill(1));
      this.kernels.set(maxPositions, kernel);
    }
    const counted = this.node('Conv', [ones3d, kernel], {
      pads: [maxPositions - 1, 0],
      kernel_shape: [maxPositions],
    });
    const made = { ramp: this.node('Reshape', [counted, this.ints('shape', [-1])]), length };
    this.ramps.set(key, made);
    return made;
  }

  /**
   * The real positions of `tensor`'s `axis` that follows the image's `input` axis, as float
   * `[N, L]` (1 real, 0 padding): position `i` is real when `(i + ½)·stride < valid extent`
   * (`stride` = input size ÷ L), and position 0 always is; what `realPositions` counts.
   */
  axisMask(tensor: string, axis: number, input: 'height' | 'width', m: FuseMaskInput): string {
    if (this.opset < 9) {
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `masked pooling cannot be fused into a backbone of opset ${this.opset} (it needs opset 9 or later)`,
        { hint: 'Use the head through fromPretrained() or hub predict instead.' },
      );
    }
    const valid = this.validSize();
    const { ramp, length } = this.ramp(tensor, axis, m.maxPositions);
    const size = this.node(
      'Gather',
      [this.node('Shape', [m.imageInput], {}, 'image_shape'), this.ints('axis', [m.imageAxes[input]])],
      {
        axis: 0,
      },
    );
    const stride = this.node('Div', [
      this.node('Cast', [size], { to: DataType.float }),
      this.node('Cast', [length], { to: DataType.float }),
    ]);
    // centre of position i = (i + ½)·stride = (ramp − ½)·stride
    const centre = this.node('Mul', [
      this.node('Sub', [ramp, this.constant('half', [1], Float32Array.of(0.5))]),
      stride,
    ]);
    const extent = this.withAxes(
      'Unsqueeze',
      this.node('Gather', [valid, this.ints('index', [input === 'height' ? 0 : 1], [])], { axis: 1 }),
      [1],
    );
    const inside = this.node('Cast', [this.node('Less', [centre, extent])], { to: DataType.float });
    const first = this.node(
      'Cast',
      [this.node('Less', [ramp, this.constant('one_half', [1], Float32Array.of(1.5))])],
      {
        to: DataType.float,
      },
    );
    return this.node('Max', [inside, first]);
  }
}
