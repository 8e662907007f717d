import { ModelhubError } from '@modelhub/core';

import {
  writeNode,
  writeTensor,
  writeValueInfo,
  type NodeSpec,
  type TensorSpec,
} from '../model/build-model.ts';
import {
  AttributeField,
  GraphField,
  ModelField,
  NodeField,
  StringStringEntryField,
  TensorField,
  ValueInfoField,
} from '../model/fields.ts';
import { readOnnxModel } from '../model/onnx-model.ts';
import { headOutputs, inlineHead } from './inline-head.ts';
import { uniqueNames } from './unique-names.ts';
import { FuseGraph } from './fuse-graph.ts';
import { gridViewNodes, joinViewNodes, type FuseGridView } from './grid-view-nodes.ts';
import { poolingNodes, VALID_SIZE_INPUT, type FusePooling } from './pooling-nodes.ts';
import {
  readFields,
  readMessages,
  readString,
  readStrings,
  WireWriter,
  type WireField,
} from '../wire/wire.ts';

export interface FuseOptions {
  /** The backbone tensor the head was trained on. */
  readonly tap: string;
  readonly pooling: FusePooling;
  /**
   * Grid views of other backbone tensors joined after the pooled tap (`feature.views`): the
   * pooled tap and each view are scaled to unit length and by their weight, then concatenated.
   */
  readonly views?: readonly FuseGridView[];
  /** Added to (or replacing) the backbone's metadata_props: labels, preprocessing, provenance. */
  readonly metadata: Readonly<Record<string, string>>;
  /** Names of the fused graph's outputs. @default { logits: 'logits', probs: 'probs' } */
  readonly outputNames?: { readonly logits: string; readonly probs: string };
}

/** Backbone nodes the taps depend on, by walking producers backwards (the classifier falls away). */
function neededNodes(
  nodes: readonly WireField[][],
  taps: readonly string[],
): { keep: boolean[]; needed: Set<string> } {
  const needed = new Set(taps);
  const keep = nodes.map(() => false);
  for (let i = nodes.length - 1; i >= 0; i--) {
    const fields = nodes[i] ?? [];
    if (readStrings(fields, NodeField.output).some((o) => needed.has(o))) {
      keep[i] = true;
      readStrings(fields, NodeField.input).forEach((input) => needed.add(input));
      // A subgraph (If/Loop) may read outer tensors implicitly: keep everything to stay correct.
      const hasSubgraph = readMessages(fields, NodeField.attribute).some((a) =>
        a.some((f) => f.no === AttributeField.g),
      );
      if (hasSubgraph) {
        return {
          keep: nodes.map(() => true),
          needed: new Set(nodes.flatMap((n) => readStrings(n, NodeField.input)).concat(taps)),
        };
      }
    }
  }
  return { keep, needed };
}

/**
 * Fuses a backbone and a head into one ONNX model: the backbone is cut at the tap (nodes that only
 * fed its old classifier are dropped), the tap is pooled as the adapter pools it, and the head's
 * Gemm/Relu/Softmax nodes follow. The result takes the backbone's image input and outputs logits
 * and probabilities, so plain onnxruntime reproduces modelhub's predictions. Backbone fields this
 * package does not know are copied byte for byte.
 */
export function fuseBackboneAndHead(
  backbone: Uint8Array,
  head: Uint8Array,
  options: FuseOptions,
): Uint8Array {
  const model = readOnnxModel(backbone, 'backbone');
  const headModel = readOnnxModel(head, 'head.onnx');
  if ([...model.graph.initializers.values()].some((t) => t.external)) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      'The backbone keeps its weights in external data files; fusing those is not supported.',
      {
        hint: 'Use the head with its backbone through fromPretrained(), or re-export the backbone as a single .onnx file.',
      },
    );
  }
  const graphFields = model.fields
    .filter((f) => f.no === ModelField.graph && f.type === 2)
    .flatMap((f) => readFields(f.bytes));
  const nodeFields = graphFields.filter((f) => f.no === GraphField.node).map((f) => readFields(f.bytes));
  const produced = new Set(nodeFields.flatMap((n) => readStrings(n, NodeField.output)));
  model.graph.inputs.forEach((i) => produced.add(i.name));
  const taps = [options.tap, ...(options.views ?? []).map((v) => v.tensor)];
  for (const tap of taps) {
    if (!produced.has(tap)) {
      throw new ModelhubError('INVALID_ARGUMENT', `The backbone has no tensor named "${tap}".`, {
        hint: 'The head was trained on another backbone; check modelhub.json base, feature.tensor and feature.views.',
      });
    }
  }
  const { keep, needed } = neededNodes(nodeFields, taps);
  const opset = model.opsets.get('') ?? model.opsets.get('ai.onnx') ?? 13;
  // Names in use in the cut graph (the old classifier's tensors are free again).
  const taken = new Set(model.graph.inputs.map((i) => i.name));
  nodeFields.forEach((fields, i) => {
    if (keep[i] === true) {
      readStrings(fields, NodeField.input).forEach((n) => taken.add(n));
      readStrings(fields, NodeField.output).forEach((n) => taken.add(n));
    }
  });
  const unique = uniqueNames(taken);

  // Pooling: the same reduction the adapter applies in JS.
  const builder = new FuseGraph(opset, unique);
  const pooled = poolingNodes(options.tap, options.pooling, opset, unique, builder);
  const views = options.views ?? [];
  const features =
    views.length === 0
      ? pooled.output
      : joinViewNodes(builder, [
          { values: pooled.output, weight: 1 },
          ...views.map((v) => ({ values: gridViewNodes(builder, v), weight: v.weight })),
        ]);
  const extraNodes: NodeSpec[] = [...builder.nodes];
  const extraTensors: TensorSpec[] = [...builder.tensors];
  if (builder.inputs.some((i) => produced.has(i.name))) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `The backbone already has a tensor named "${VALID_SIZE_INPUT}".`,
    );
  }

  // The head, renamed into its own namespace; its input becomes the pooled features.
  const wanted = options.outputNames ?? { logits: 'logits', probs: 'probs' };
  const inlined = inlineHead(headModel, features, unique, wanted);
  extraNodes.push(...inlined.nodes);
  extraTensors.push(...inlined.tensors);

  // The new graph: kept backbone fields in their order, minus its outputs and dead parts.
  const graph = new WireWriter();
  let nodeIndex = 0;
  for (const field of graphFields) {
    if (field.no === GraphField.node) {
      if (keep[nodeIndex++] === true) {
        graph.raw(field);
      }
    } else if (field.no === GraphField.initializer || field.no === GraphField.valueInfo) {
      const name =
        readString(
          readFields(field.bytes),
          field.no === GraphField.initializer ? TensorField.name : ValueInfoField.name,
        ) ?? '';
      if (needed.has(name)) {
        graph.raw(field);
      }
    } else if (field.no !== GraphField.output) {
      graph.raw(field);
    }
  }
  extraNodes.forEach((n) => graph.message(GraphField.node, (w) => writeNode(w, n)));
  builder.inputs.forEach((i) => graph.message(GraphField.input, (w) => writeValueInfo(w, i)));
  extraTensors.forEach((t) => graph.message(GraphField.initializer, (w) => writeTensor(w, t)));
  headOutputs(inlined, 'N').forEach((v) => graph.message(GraphField.output, (w) => writeValueInfo(w, v)));

  const out = new WireWriter();
  let wroteGraph = false;
  for (const field of model.fields) {
    if (field.no === ModelField.graph && field.type === 2) {
      if (!wroteGraph) {
        out.bytes(ModelField.graph, graph.finish());
        wroteGraph = true;
      }
    } else if (field.no === ModelField.metadataProps) {
      const key = readString(readFields(field.bytes), StringStringEntryField.key) ?? '';
      if (!(key in options.metadata)) {
        out.raw(field);
      }
    } else {
      out.raw(field);
    }
  }
  for (const [key, value] of Object.entries(options.metadata)) {
    out.message(ModelField.metadataProps, (e) =>
      e.string(StringStringEntryField.key, key).string(StringStringEntryField.value, value),
    );
  }
  return out.finish();
}
