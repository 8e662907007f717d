import { ModelhubError } from '@modelhub/core';

import {
  AttributeField,
  GraphField,
  ModelField,
  NodeField,
  OperatorSetIdField,
  TensorField,
  ValueInfoField,
} from '../model/fields.ts';
import { readFields, readInt, readMessages, readString, WireWriter, type WireField } from '../wire/wire.ts';

const utf8 = new TextDecoder();

/** A graph copied into another one: its parts with every tensor name moved under a prefix. */
export interface InlinedGraph {
  /** Node, initializer and value_info fields, to append to a GraphProto as they are. */
  readonly fields: readonly { readonly no: number; readonly bytes: Uint8Array }[];
  /** The new names of the graph's inputs and outputs, in their order. */
  readonly inputs: readonly string[];
  readonly outputs: readonly string[];
  /** The opsets the graph's nodes were written for. */
  readonly opsets: ReadonlyMap<string, number>;
  readonly irVersion: number;
}

/** A message copied field for field, its string field `nameField` (the tensor's name) renamed. */
function withRenamedField(
  message: readonly WireField[],
  nameField: number,
  rename: (name: string) => string,
): Uint8Array {
  const w = new WireWriter();
  for (const f of message) {
    if (f.no === nameField) {
      w.string(f.no, rename(utf8.decode(f.bytes)));
    } else {
      w.raw(f);
    }
  }
  return w.finish();
}

/**
 * Prepares a whole ONNX model for inlining into another graph: every tensor name (node inputs and
 * outputs, initializers, value_info) and node name gets `prefix`, except the graph's inputs, which
 * become the outer tensors named in `inputsFrom` (in the graph's input order). Node attributes and
 * tensor bytes are copied untouched. Models with subgraphs (If, Loop, Scan) or external weights are
 * refused: their inner names would need the same renaming.
 */
export function inlineGraph(
  bytes: Uint8Array,
  source: string,
  prefix: string,
  inputsFrom: readonly string[],
): InlinedGraph {
  const model = readFields(bytes);
  const graph = model
    .filter((f) => f.no === ModelField.graph && f.type === 2)
    .flatMap((f) => readFields(f.bytes));
  const initializerNames = new Set(
    readMessages(graph, GraphField.initializer).map((t) => readString(t, TensorField.name) ?? ''),
  );
  const inputs = readMessages(graph, GraphField.input)
    .map((v) => readString(v, ValueInfoField.name) ?? '')
    .filter((name) => !initializerNames.has(name));
  const outputNames = readMessages(graph, GraphField.output).map(
    (v) => readString(v, ValueInfoField.name) ?? '',
  );
  if (inputs.length !== inputsFrom.length) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${source} takes ${inputs.length} input(s) (${inputs.join(', ')}); ${inputsFrom.length} expected.`,
      { hint: 'This model has another layout than the one modelhub fuses; use it through fromPretrained().' },
    );
  }
  const bind = new Map(inputs.map((name, i) => [name, inputsFrom[i] ?? name]));
  const rename = (name: string): string => (name === '' ? '' : (bind.get(name) ?? `${prefix}${name}`));

  const fields: { no: number; bytes: Uint8Array }[] = [];
  for (const field of graph) {
    if (field.no === GraphField.node) {
      const node = readFields(field.bytes);
      if (readMessages(node, NodeField.attribute).some((a) => a.some((f) => f.no === AttributeField.g))) {
        throw new ModelhubError(
          'UNSUPPORTED_MODEL',
          `${source} has control-flow subgraphs (If/Loop/Scan), which cannot be fused into one graph here.`,
          { hint: 'Use the model through fromPretrained() instead of a fused ONNX export.' },
        );
      }
      const w = new WireWriter();
      for (const f of node) {
        if (f.no === NodeField.input || f.no === NodeField.output) {
          w.string(f.no, rename(utf8.decode(f.bytes)));
        } else if (f.no === NodeField.name) {
          // Unnamed nodes stay unnamed: onnxruntime refuses two nodes with one (prefixed empty) name.
          const name = utf8.decode(f.bytes);
          w.string(f.no, name === '' ? '' : `${prefix}${name}`);
        } else {
          w.raw(f);
        }
      }
      fields.push({ no: GraphField.node, bytes: w.finish() });
    } else if (field.no === GraphField.initializer) {
      const tensor = readFields(field.bytes);
      if (readInt(tensor, TensorField.dataLocation) === 1) {
        throw new ModelhubError(
          'UNSUPPORTED_MODEL',
          `${source} keeps its weights in external data files; fusing those is not supported.`,
          { hint: 'Re-export the model as a single .onnx file, or use it through fromPretrained().' },
        );
      }
      fields.push({ no: GraphField.initializer, bytes: withRenamedField(tensor, TensorField.name, rename) });
    } else if (field.no === GraphField.valueInfo) {
      const info = readFields(field.bytes);
      fields.push({ no: GraphField.valueInfo, bytes: withRenamedField(info, ValueInfoField.name, rename) });
    }
  }
  const opsets = new Map<string, number>();
  for (const o of readMessages(model, ModelField.opsetImport)) {
    opsets.set(readString(o, OperatorSetIdField.domain) ?? '', readInt(o, OperatorSetIdField.version) ?? 0);
  }
  return {
    fields,
    inputs: inputs.map(rename),
    outputs: outputNames.map(rename),
    opsets,
    irVersion: readInt(model, ModelField.irVersion) ?? 7,
  };
}
