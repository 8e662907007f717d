import { ModelhubError } from '@modelhub/core';

import {
  writeGraph,
  writeModel,
  type AttributeValue,
  type NodeSpec,
  type TensorSpec,
} from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';

/** One dense layer of a head: `y = x · Wᵀ + b`, then the activation. */
export interface HeadLayer {
  /** Row-major [outDim, inDim]. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: 'relu' | 'none';
}

export interface HeadModelSpec {
  /** `l2`: scale each feature vector to unit length first (`LpNormalization`, p = 2). @default 'none' */
  readonly normalize?: 'none' | 'l2';
  readonly layers: readonly HeadLayer[];
  /** Class names, one per output of the last layer; stored as JSON in the `labels` metadata entry. */
  readonly labels: readonly string[];
  /** Extra `metadata_props` entries (string → string). */
  readonly metadata: Readonly<Record<string, string>>;
}

/** Names of the head graph's input and outputs. */
export const headTensorNames = { input: 'features', logits: 'logits', probs: 'probs' } as const;

/** Metadata key under which the labels travel, as a JSON array. */
export const HEAD_LABELS_KEY = 'labels';

const HEAD_IR_VERSION = 8;
const HEAD_OPSET = 13;

function fail(message: string): never {
  throw new ModelhubError('INVALID_ARGUMENT', `Cannot build the head graph: ${message}`);
}

function node(
  opType: string,
  name: string,
  inputs: readonly string[],
  outputs: readonly string[],
  attributes: Readonly<Record<string, AttributeValue>> = {},
): NodeSpec {
  return { opType, name, inputs, outputs, attributes };
}

function validate(spec: HeadModelSpec): void {
  if (spec.layers.length === 0) {
    fail('it needs at least one layer.');
  }
  spec.layers.forEach((layer, i) => {
    if (
      !Number.isInteger(layer.inDim) ||
      layer.inDim < 1 ||
      !Number.isInteger(layer.outDim) ||
      layer.outDim < 1
    ) {
      fail(`layer ${i} has dimensions ${layer.inDim}→${layer.outDim}.`);
    }
    if (layer.weight.length !== layer.inDim * layer.outDim) {
      fail(`layer ${i} weight has ${layer.weight.length} values, expected ${layer.outDim}×${layer.inDim}.`);
    }
    if (layer.bias.length !== layer.outDim) {
      fail(`layer ${i} bias has ${layer.bias.length} values, expected ${layer.outDim}.`);
    }
    const prev = spec.layers[i - 1];
    if (prev !== undefined && prev.outDim !== layer.inDim) {
      fail(`layer ${i} takes ${layer.inDim} inputs but layer ${i - 1} gives ${prev.outDim}.`);
    }
  });
  const last = spec.layers[spec.layers.length - 1];
  if (last !== undefined && last.activation !== 'none') {
    fail('the last layer must have no activation (its outputs are the logits).');
  }
  if (last !== undefined && spec.labels.length !== last.outDim) {
    fail(`${spec.labels.length} labels for ${last.outDim} outputs.`);
  }
  if (HEAD_LABELS_KEY in spec.metadata) {
    fail(`metadata key "${HEAD_LABELS_KEY}" is reserved for the labels.`);
  }
}

/**
 * Writes a classifier head as a standalone ONNX model (IR 8, opset 13, float32):
 * `features [N,D] (→ LpNormalization) → Gemm(transB=1) (→ Relu → Gemm)… → logits [N,C]`, plus
 * `probs = Softmax(logits)`.
 * The labels travel as JSON in `metadata_props["labels"]`, next to the given metadata.
 */
export function buildHeadModel(spec: HeadModelSpec): Uint8Array {
  validate(spec);
  const first = spec.layers[0];
  const last = spec.layers[spec.layers.length - 1];
  if (first === undefined || last === undefined) {
    return fail('it needs at least one layer.');
  }
  const nodes: NodeSpec[] = [];
  let current: string = headTensorNames.input;
  if (spec.normalize === 'l2') {
    nodes.push(node('LpNormalization', 'normalize', [current], ['normalized'], { axis: 1, p: 2 }));
    current = 'normalized';
  }
  spec.layers.forEach((layer, i) => {
    const isLast = i === spec.layers.length - 1;
    const out = isLast ? headTensorNames.logits : `dense_${i}`;
    nodes.push(
      node('Gemm', `gemm_${i}`, [current, `dense_${i}.weight`, `dense_${i}.bias`], [out], { transB: 1 }),
    );
    current = out;
    if (layer.activation === 'relu') {
      const relu = `relu_${i}`;
      nodes.push(node('Relu', relu, [current], [relu]));
      current = relu;
    }
  });
  nodes.push(node('Softmax', 'softmax', [headTensorNames.logits], [headTensorNames.probs], { axis: 1 }));
  const float = (name: string, dims: readonly number[], values: Float32Array): TensorSpec => ({
    name,
    dims,
    dataType: DataType.float,
    values,
  });
  const graph = writeGraph({
    graphName: 'modelhub_head',
    nodes,
    initializers: spec.layers.flatMap((layer, i) => [
      float(`dense_${i}.weight`, [layer.outDim, layer.inDim], layer.weight),
      float(`dense_${i}.bias`, [layer.outDim], layer.bias),
    ]),
    inputs: [{ name: headTensorNames.input, elemType: DataType.float, dims: ['N', first.inDim] }],
    outputs: [
      { name: headTensorNames.logits, elemType: DataType.float, dims: ['N', last.outDim] },
      { name: headTensorNames.probs, elemType: DataType.float, dims: ['N', last.outDim] },
    ],
  });
  return writeModel(graph, {
    irVersion: HEAD_IR_VERSION,
    producerVersion: '0.1.0',
    opsets: [['', HEAD_OPSET]],
    metadata: [[HEAD_LABELS_KEY, JSON.stringify(spec.labels)], ...Object.entries(spec.metadata)],
  });
}
