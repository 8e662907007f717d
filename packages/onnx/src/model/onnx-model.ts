import { ModelhubError } from '@modelhub/core';

import {
  isWireFormatError,
  readFields,
  readFloat,
  readFloats,
  readInt,
  readInts,
  readMessages,
  readString,
  readStrings,
  type WireField,
} from '../wire/wire.ts';
import {
  AttributeField,
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

/** Header of a TensorProto: everything but the values. */
export interface TensorHeader {
  readonly name: string;
  readonly dims: readonly number[];
  readonly dataType: number;
  /** True when the values live in an external file (`data_location = EXTERNAL`). */
  readonly external: boolean;
  /** The TensorProto's own fields, for reading values on demand. */
  readonly fields: readonly WireField[];
}

export interface OnnxAttribute {
  readonly name: string;
  readonly int: number | undefined;
  readonly float: number | undefined;
  readonly string: string | undefined;
  readonly ints: readonly number[];
  readonly floats: readonly number[];
  readonly tensor: TensorHeader | undefined;
}

export interface OnnxNode {
  readonly name: string;
  readonly opType: string;
  readonly domain: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  readonly attributes: ReadonlyMap<string, OnnxAttribute>;
}

/** A graph input/output/value_info entry; dims are numbers, symbolic names, or undefined (unknown). */
export interface OnnxValueInfo {
  readonly name: string;
  readonly elemType: number | undefined;
  readonly dims: ReadonlyArray<number | string | undefined> | undefined;
}

export interface OnnxGraph {
  readonly name: string;
  readonly nodes: readonly OnnxNode[];
  readonly initializers: ReadonlyMap<string, TensorHeader>;
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
  readonly valueInfo: ReadonlyMap<string, OnnxValueInfo>;
}

/** A read-only view of an ONNX ModelProto: the parts modelhub needs, parsed eagerly (no tensor values). */
export interface OnnxModel {
  readonly irVersion: number | undefined;
  readonly producerName: string | undefined;
  readonly opsets: ReadonlyMap<string, number>;
  readonly metadata: ReadonlyMap<string, string>;
  readonly graph: OnnxGraph;
  /** The top-level fields, for lossless edits. */
  readonly fields: readonly WireField[];
}

export function readTensorHeader(fields: readonly WireField[]): TensorHeader {
  return {
    name: readString(fields, TensorField.name) ?? '',
    dims: readInts(fields, TensorField.dims),
    dataType: readInt(fields, TensorField.dataType) ?? 0,
    external: readInt(fields, TensorField.dataLocation) === 1,
    fields,
  };
}

function readAttribute(fields: readonly WireField[]): OnnxAttribute {
  const t = readMessages(fields, AttributeField.t)[0];
  return {
    name: readString(fields, AttributeField.name) ?? '',
    int: readInt(fields, AttributeField.i),
    float: readFloat(fields, AttributeField.f),
    string: readString(fields, AttributeField.s),
    ints: readInts(fields, AttributeField.ints),
    floats: readFloats(fields, AttributeField.floats),
    tensor: t === undefined ? undefined : readTensorHeader(t),
  };
}

function readNode(fields: readonly WireField[]): OnnxNode {
  const attributes = new Map<string, OnnxAttribute>();
  for (const a of readMessages(fields, NodeField.attribute)) {
    const attr = readAttribute(a);
    attributes.set(attr.name, attr);
  }
  return {
    name: readString(fields, NodeField.name) ?? '',
    opType: readString(fields, NodeField.opType) ?? '',
    domain: readString(fields, NodeField.domain) ?? '',
    inputs: readStrings(fields, NodeField.input),
    outputs: readStrings(fields, NodeField.output),
    attributes,
  };
}

function readValueInfo(fields: readonly WireField[]): OnnxValueInfo {
  const name = readString(fields, ValueInfoField.name) ?? '';
  const type = readMessages(fields, ValueInfoField.type)[0];
  const tensor = type === undefined ? undefined : readMessages(type, TypeField.tensorType)[0];
  if (tensor === undefined) {
    return { name, elemType: undefined, dims: undefined };
  }
  const shape = readMessages(tensor, TypeTensorField.shape)[0];
  const dims = shape
    ?.filter((f) => f.no === ShapeField.dim)
    .map((f) => {
      const d = readFields(f.bytes);
      return readInt(d, DimensionField.dimValue) ?? readString(d, DimensionField.dimParam);
    });
  return { name, elemType: readInt(tensor, TypeTensorField.elemType), dims };
}

function readGraph(fields: readonly WireField[]): OnnxGraph {
  const initializers = new Map<string, TensorHeader>();
  for (const t of readMessages(fields, GraphField.initializer)) {
    const header = readTensorHeader(t);
    initializers.set(header.name, header);
  }
  const valueInfo = new Map<string, OnnxValueInfo>();
  for (const v of readMessages(fields, GraphField.valueInfo)) {
    const info = readValueInfo(v);
    valueInfo.set(info.name, info);
  }
  return {
    name: readString(fields, GraphField.name) ?? '',
    nodes: readMessages(fields, GraphField.node).map(readNode),
    initializers,
    inputs: readMessages(fields, GraphField.input).map(readValueInfo),
    outputs: readMessages(fields, GraphField.output).map(readValueInfo),
    valueInfo,
  };
}

/**
 * Parses an ONNX model. Repeated `graph` fields are merged the way protobuf does (so a model
 * with an appended graph fragment reads as one graph). Throws UNSUPPORTED_MODEL for bytes that
 * are not a protobuf ModelProto.
 */
export function readOnnxModel(bytes: Uint8Array, source = 'model.onnx'): OnnxModel {
  try {
    const fields = readFields(bytes);
    const graphFields = fields
      .filter((f) => f.no === ModelField.graph && f.type === 2)
      .flatMap((f) => readFields(f.bytes));
    if (graphFields.length === 0) {
      throw new ModelhubError('UNSUPPORTED_MODEL', `${source} has no graph: it is not an ONNX model.`);
    }
    const opsets = new Map<string, number>();
    for (const o of readMessages(fields, ModelField.opsetImport)) {
      opsets.set(readString(o, OperatorSetIdField.domain) ?? '', readInt(o, OperatorSetIdField.version) ?? 0);
    }
    const metadata = new Map<string, string>();
    for (const e of readMessages(fields, ModelField.metadataProps)) {
      metadata.set(
        readString(e, StringStringEntryField.key) ?? '',
        readString(e, StringStringEntryField.value) ?? '',
      );
    }
    return {
      irVersion: readInt(fields, ModelField.irVersion),
      producerName: readString(fields, ModelField.producerName),
      opsets,
      metadata,
      graph: readGraph(graphFields),
      fields,
    };
  } catch (error) {
    if (isWireFormatError(error)) {
      throw new ModelhubError('UNSUPPORTED_MODEL', `${source} is not a valid ONNX file (${error.message}).`, {
        hint: 'Check that the file is complete; re-download it with `hub pull`.',
        cause: error,
      });
    }
    throw error;
  }
}

/** Float values of an fp32 tensor stored inline (raw_data or float_data); undefined otherwise. */
export function readFloatTensor(tensor: TensorHeader): Float32Array | undefined {
  if (tensor.dataType !== 1 || tensor.external) {
    return undefined;
  }
  const raw = tensor.fields.filter((f) => f.no === TensorField.rawData && f.type === 2).at(-1);
  if (raw !== undefined) {
    const copy = raw.bytes.slice();
    return new Float32Array(copy.buffer, 0, copy.byteLength / 4);
  }
  return Float32Array.from(readFloats(tensor.fields, TensorField.floatData));
}
