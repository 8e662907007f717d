import { ModelhubError } from '@modelhub/core';

import { WireWriter } from '../wire/wire.ts';
import {
  AttributeField,
  AttributeType,
  DataType,
  DimensionField,
  GraphField,
  ModelField,
  NodeField,
  OperatorSetIdField,
  ShapeField,
  StringStringEntryField,
  TensorField,
  TypeField,
  TypeTensorField,
  ValueInfoField,
} from '../model/fields.ts';

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

function floatTensor(w: WireWriter, name: string, dims: readonly number[], values: Float32Array): void {
  w.packedInts(TensorField.dims, dims);
  w.int(TensorField.dataType, DataType.float);
  w.string(TensorField.name, name);
  // raw_data is little-endian; copy so a view into a larger buffer writes only its own bytes
  const le = new Uint8Array(values.length * 4);
  const view = new DataView(le.buffer);
  values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  w.bytes(TensorField.rawData, le);
}

function floatValueInfo(w: WireWriter, name: string, dims: ReadonlyArray<number | string>): void {
  w.string(ValueInfoField.name, name);
  w.message(ValueInfoField.type, (type) =>
    type.message(TypeField.tensorType, (tensor) => {
      tensor.int(TypeTensorField.elemType, DataType.float);
      tensor.message(TypeTensorField.shape, (shape) => {
        for (const d of dims) {
          shape.message(ShapeField.dim, (dim) =>
            typeof d === 'number'
              ? dim.int(DimensionField.dimValue, d)
              : dim.string(DimensionField.dimParam, d),
          );
        }
      });
    }),
  );
}

function node(
  w: WireWriter,
  opType: string,
  name: string,
  inputs: readonly string[],
  outputs: readonly string[],
  intAttrs: Readonly<Record<string, number>> = {},
): void {
  w.message(GraphField.node, (n) => {
    inputs.forEach((i) => n.string(NodeField.input, i));
    outputs.forEach((o) => n.string(NodeField.output, o));
    n.string(NodeField.name, name);
    n.string(NodeField.opType, opType);
    for (const [attr, value] of Object.entries(intAttrs)) {
      n.message(NodeField.attribute, (a) => {
        a.string(AttributeField.name, attr);
        a.int(AttributeField.i, value);
        a.int(AttributeField.type, AttributeType.int);
      });
    }
  });
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
  const graph = new WireWriter();
  let current: string = headTensorNames.input;
  if (spec.normalize === 'l2') {
    node(graph, 'LpNormalization', 'normalize', [current], ['normalized'], { axis: 1, p: 2 });
    current = 'normalized';
  }
  spec.layers.forEach((layer, i) => {
    const isLast = i === spec.layers.length - 1;
    const out = isLast ? headTensorNames.logits : `dense_${i}`;
    node(graph, 'Gemm', `gemm_${i}`, [current, `dense_${i}.weight`, `dense_${i}.bias`], [out], { transB: 1 });
    current = out;
    if (layer.activation === 'relu') {
      const relu = `relu_${i}`;
      node(graph, 'Relu', relu, [current], [relu]);
      current = relu;
    }
  });
  node(graph, 'Softmax', 'softmax', [headTensorNames.logits], [headTensorNames.probs], { axis: 1 });
  graph.string(GraphField.name, 'modelhub_head');
  spec.layers.forEach((layer, i) => {
    graph.message(GraphField.initializer, (t) =>
      floatTensor(t, `dense_${i}.weight`, [layer.outDim, layer.inDim], layer.weight),
    );
    graph.message(GraphField.initializer, (t) =>
      floatTensor(t, `dense_${i}.bias`, [layer.outDim], layer.bias),
    );
  });
  graph.message(GraphField.input, (v) => floatValueInfo(v, headTensorNames.input, ['N', first.inDim]));
  graph.message(GraphField.output, (v) => floatValueInfo(v, headTensorNames.logits, ['N', last.outDim]));
  graph.message(GraphField.output, (v) => floatValueInfo(v, headTensorNames.probs, ['N', last.outDim]));

  const model = new WireWriter();
  model.int(ModelField.irVersion, HEAD_IR_VERSION);
  model.string(ModelField.producerName, 'modelhub');
  model.string(ModelField.producerVersion, '0.1.0');
  model.bytes(ModelField.graph, graph.finish());
  model.message(ModelField.opsetImport, (o) => {
    o.string(OperatorSetIdField.domain, '');
    o.int(OperatorSetIdField.version, HEAD_OPSET);
  });
  const entries: Array<[string, string]> = [
    [HEAD_LABELS_KEY, JSON.stringify(spec.labels)],
    ...Object.entries(spec.metadata),
  ];
  for (const [key, value] of entries) {
    model.message(ModelField.metadataProps, (e) => {
      e.string(StringStringEntryField.key, key);
      e.string(StringStringEntryField.value, value);
    });
  }
  return model.finish();
}
