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
} from './fields.ts';

/** Values of a tensor; the typed array decides nothing, `dataType` does. */
export type TensorValues = Float32Array | Int8Array | Uint8Array | Int32Array | BigInt64Array;

export interface TensorSpec {
  readonly name: string;
  readonly dims: readonly number[];
  /** A TensorProto.DataType value (see `DataType`). */
  readonly dataType: number;
  readonly values: TensorValues;
  /** Store the values in an external file instead (the caller writes the bytes there). */
  readonly external?: { readonly location: string; readonly offset: number };
}

export type AttributeValue =
  number | readonly number[] | string | { readonly float: number } | { readonly tensor: TensorSpec };

export interface NodeSpec {
  readonly opType: string;
  readonly name?: string;
  readonly domain?: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** Integers, integer lists, strings, floats (`{ float }`) or tensors (`{ tensor }`). */
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** A node named after its one output, the way the fusers name the nodes they add. */
export function singleOutputNode(
  opType: string,
  inputs: string[],
  output: string,
  attributes?: NodeSpec['attributes'],
): NodeSpec {
  return {
    opType,
    name: output,
    inputs,
    outputs: [output],
    ...(attributes === undefined ? {} : { attributes }),
  };
}

export interface ValueInfoSpec {
  readonly name: string;
  readonly elemType?: number;
  readonly dims?: ReadonlyArray<number | string>;
}

/** The parts of a GraphProto, in the order `writeGraph` writes them. */
export interface GraphSpec {
  readonly graphName?: string;
  readonly nodes: readonly NodeSpec[];
  readonly initializers?: readonly TensorSpec[];
  readonly inputs: readonly ValueInfoSpec[];
  readonly outputs: readonly ValueInfoSpec[];
}

export interface ModelSpec extends GraphSpec {
  readonly irVersion?: number;
  readonly opsets?: Readonly<Record<string, number>>;
  readonly metadata?: Readonly<Record<string, string>>;
}

/** Little-endian bytes of a typed array (a copy). */
export function tensorBytes(values: TensorValues): Uint8Array {
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  if (values instanceof Float32Array) {
    values.forEach((v, i) => view.setFloat32(i * 4, v, true));
  } else if (values instanceof Int32Array) {
    values.forEach((v, i) => view.setInt32(i * 4, v, true));
  } else if (values instanceof BigInt64Array) {
    values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  } else {
    out.set(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
  }
  return out;
}

export function writeTensor(w: WireWriter, t: TensorSpec): void {
  w.packedInts(TensorField.dims, t.dims);
  w.int(TensorField.dataType, t.dataType);
  w.string(TensorField.name, t.name);
  if (t.external === undefined) {
    w.bytes(TensorField.rawData, tensorBytes(t.values));
    return;
  }
  const entries: Array<[string, string]> = [
    ['location', t.external.location],
    ['offset', String(t.external.offset)],
    ['length', String(t.values.byteLength)],
  ];
  for (const [key, value] of entries) {
    w.message(TensorField.externalData, (e) =>
      e.string(StringStringEntryField.key, key).string(StringStringEntryField.value, value),
    );
  }
  w.int(TensorField.dataLocation, 1);
}

export function writeValueInfo(w: WireWriter, v: ValueInfoSpec): void {
  w.string(ValueInfoField.name, v.name);
  if (v.elemType === undefined) {
    return;
  }
  const { elemType, dims } = v;
  w.message(ValueInfoField.type, (type) =>
    type.message(TypeField.tensorType, (tensor) => {
      tensor.int(TypeTensorField.elemType, elemType);
      if (dims !== undefined) {
        tensor.message(TypeTensorField.shape, (shape) => {
          for (const d of dims) {
            shape.message(ShapeField.dim, (dim) =>
              typeof d === 'number'
                ? dim.int(DimensionField.dimValue, d)
                : dim.string(DimensionField.dimParam, d),
            );
          }
        });
      }
    }),
  );
}

function writeAttribute(w: WireWriter, name: string, value: AttributeValue): void {
  w.string(AttributeField.name, name);
  if (typeof value === 'number') {
    w.int(AttributeField.i, value).int(AttributeField.type, AttributeType.int);
  } else if (typeof value === 'string') {
    w.string(AttributeField.s, value).int(AttributeField.type, AttributeType.string);
  } else if ('float' in value) {
    w.float(AttributeField.f, value.float).int(AttributeField.type, AttributeType.float);
  } else if ('tensor' in value) {
    w.message(AttributeField.t, (t) => writeTensor(t, value.tensor)).int(
      AttributeField.type,
      AttributeType.tensor,
    );
  } else {
    w.packedInts(AttributeField.ints, value).int(AttributeField.type, AttributeType.ints);
  }
}

export function writeNode(w: WireWriter, n: NodeSpec): void {
  n.inputs.forEach((i) => w.string(NodeField.input, i));
  n.outputs.forEach((o) => w.string(NodeField.output, o));
  w.string(NodeField.name, n.name ?? '');
  w.string(NodeField.opType, n.opType);
  for (const [name, value] of Object.entries(n.attributes ?? {})) {
    w.message(NodeField.attribute, (a) => writeAttribute(a, name, value));
  }
  if (n.domain !== undefined && n.domain !== '') {
    w.string(NodeField.domain, n.domain);
  }
}

/** Writes a GraphProto: nodes, name, initializers, inputs, outputs. */
export function writeGraph(spec: GraphSpec): Uint8Array {
  const graph = new WireWriter();
  spec.nodes.forEach((n) => graph.message(GraphField.node, (w) => writeNode(w, n)));
  graph.string(GraphField.name, spec.graphName ?? 'graph');
  (spec.initializers ?? []).forEach((t) => graph.message(GraphField.initializer, (w) => writeTensor(w, t)));
  spec.inputs.forEach((v) => graph.message(GraphField.input, (w) => writeValueInfo(w, v)));
  spec.outputs.forEach((v) => graph.message(GraphField.output, (w) => writeValueInfo(w, v)));
  return graph.finish();
}

/** Writes a whole ONNX model from a small description. */
export function buildOnnxModel(spec: ModelSpec): Uint8Array {
  return writeModel(writeGraph(spec), {
    irVersion: spec.irVersion ?? 8,
    opsets: Object.entries(spec.opsets ?? { '': 13 }),
    metadata: Object.entries(spec.metadata ?? {}),
  });
}

/**
 * Wraps a finished graph in a ModelProto: IR version, producer `modelhub`, the operator sets it
 * imports and its metadata_props (labels, preprocessing, provenance).
 */
export function writeModel(
  graph: Uint8Array,
  options: {
    readonly irVersion: number;
    /** Written after the producer name when given (head.onnx states the version that wrote it). */
    readonly producerVersion?: string;
    readonly opsets: Iterable<readonly [string, number]>;
    /** In the order given (an object's entries would move integer-like keys first). */
    readonly metadata: Iterable<readonly [string, string]>;
  },
): Uint8Array {
  const model = new WireWriter();
  model.int(ModelField.irVersion, options.irVersion);
  model.string(ModelField.producerName, 'modelhub');
  if (options.producerVersion !== undefined) {
    model.string(ModelField.producerVersion, options.producerVersion);
  }
  model.bytes(ModelField.graph, graph);
  for (const [domain, version] of options.opsets) {
    model.message(ModelField.opsetImport, (o) =>
      o.string(OperatorSetIdField.domain, domain).int(OperatorSetIdField.version, version),
    );
  }
  for (const [key, value] of options.metadata) {
    model.message(ModelField.metadataProps, (e) =>
      e.string(StringStringEntryField.key, key).string(StringStringEntryField.value, value),
    );
  }
  return model.finish();
}

export { DataType };
