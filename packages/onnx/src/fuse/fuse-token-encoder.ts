import { ModelhubError } from '@modelhub/core';

import { inlineGraph } from '../edit/inline-graph.ts';
import {
  writeModel,
  writeNode,
  writeTensor,
  writeValueInfo,
  type NodeSpec,
  type TensorSpec,
} from '../model/build-model.ts';
import { DataType, GraphField } from '../model/fields.ts';
import { readOnnxModel } from '../model/onnx-model.ts';
import { WireWriter } from '../wire/wire.ts';
import { headOutputs, inlineHead } from './inline-head.ts';
import { uniqueNames } from './unique-names.ts';
import { maskedPoolingNodes, type MaskedPooling } from './masked-pooling-nodes.ts';

export interface TokenEncoderFuseOptions {
  /** The per-token output `[N, T, D]` the head was trained on (`last_hidden_state`). */
  readonly tap: string;
  /** The encoder input holding the attention mask (1 = real token). @default 'attention_mask' */
  readonly maskInput?: string;
  /** Masked mean/max/meanmax over the real tokens, or `cls` (the first token). */
  readonly pooling: MaskedPooling | 'cls';
  /** Added as metadata_props: labels, preprocessing (the tokenizer), provenance. */
  readonly metadata: Readonly<Record<string, string>>;
}

/**
 * Writes ONE ONNX model for a head on a Hugging Face–layout text encoder: the encoder's own inputs
 * (`input_ids`, `attention_mask`, maybe `token_type_ids`: the ids its `tokenizer.json` gives, padded
 * per batch) in, `logits` and `probs` `[N, classes]` out. The encoder is copied node for node
 * (names prefixed `encoder/`), its per-token output pooled over the attention mask as the adapter
 * pools it, then the head. The tokenizer stays outside the graph, as it does for every ONNX text
 * model.
 */
export function fuseTokenEncoderClassifier(
  encoder: Uint8Array,
  head: Uint8Array,
  options: TokenEncoderFuseOptions,
): Uint8Array {
  const model = readOnnxModel(encoder, 'the text encoder');
  const initializers = new Set(model.graph.initializers.keys());
  const inputs = model.graph.inputs.filter((i) => !initializers.has(i.name));
  const maskInput = options.maskInput ?? 'attention_mask';
  if (!inputs.some((i) => i.name === maskInput)) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `The text encoder has no "${maskInput}" input to pool with.`,
      {
        hint: 'Use the head through fromPretrained() or hub predict instead of a fused export.',
      },
    );
  }
  const g = inlineGraph(
    encoder,
    'the text encoder',
    'encoder/',
    inputs.map((i) => i.name),
  );
  const tap = `encoder/${options.tap}`;
  if (!g.outputs.includes(tap)) {
    throw new ModelhubError('INVALID_ARGUMENT', `The text encoder has no output named "${options.tap}".`, {
      hint: 'The head was trained on another encoder; check modelhub.json base and feature.tensor.',
    });
  }
  const opset = g.opsets.get('') ?? 13;
  const pooled = 'modelhub/features';
  const nodes: NodeSpec[] = [];
  const tensors: TensorSpec[] = [];
  if (options.pooling === 'cls') {
    tensors.push({
      name: 'modelhub/first',
      dims: [],
      dataType: DataType.int64,
      values: BigInt64Array.of(0n),
    });
    nodes.push({
      opType: 'Gather',
      name: pooled,
      inputs: [tap, 'modelhub/first'],
      outputs: [pooled],
      attributes: { axis: 1 },
    });
  } else {
    // [N, T] ids mask → [N, T, 1] float.
    nodes.push({
      opType: 'Cast',
      name: 'modelhub/mask_f',
      inputs: [maskInput],
      outputs: ['modelhub/mask_f'],
      attributes: { to: DataType.float },
    });
    if (opset >= 13) {
      tensors.push({
        name: 'modelhub/axis_2',
        dims: [1],
        dataType: DataType.int64,
        values: BigInt64Array.of(2n),
      });
      nodes.push({
        opType: 'Unsqueeze',
        name: 'modelhub/mask',
        inputs: ['modelhub/mask_f', 'modelhub/axis_2'],
        outputs: ['modelhub/mask'],
      });
    } else {
      nodes.push({
        opType: 'Unsqueeze',
        name: 'modelhub/mask',
        inputs: ['modelhub/mask_f'],
        outputs: ['modelhub/mask'],
        attributes: { axes: [2] },
      });
    }
    const pooling = maskedPoolingNodes({
      values: tap,
      mask: 'modelhub/mask',
      axis: 1,
      keepdims: false,
      pooling: options.pooling,
      output: pooled,
      prefix: 'modelhub/',
      opset,
    });
    nodes.push(...pooling.nodes);
    tensors.push(...pooling.tensors);
  }
  const taken = new Set<string>([...inputs.map((i) => i.name), pooled]);
  const unique = uniqueNames(taken);
  const inlined = inlineHead(readOnnxModel(head, 'head.onnx'), pooled, unique);

  const graph = new WireWriter();
  g.fields.filter((f) => f.no === GraphField.node).forEach((f) => graph.bytes(f.no, f.bytes));
  [...nodes, ...inlined.nodes].forEach((spec) => graph.message(GraphField.node, (w) => writeNode(w, spec)));
  graph.string(GraphField.name, 'modelhub-text-classifier');
  g.fields.filter((f) => f.no !== GraphField.node).forEach((f) => graph.bytes(f.no, f.bytes));
  [...tensors, ...inlined.tensors].forEach((t) =>
    graph.message(GraphField.initializer, (w) => writeTensor(w, t)),
  );
  for (const input of inputs) {
    graph.message(GraphField.input, (w) =>
      writeValueInfo(w, {
        name: input.name,
        elemType: input.elemType ?? DataType.int64,
        dims: (input.dims ?? ['batch', 'sequence']).map((d, k) => d ?? (k === 0 ? 'batch' : 'sequence')),
      }),
    );
  }
  headOutputs(inlined, 'batch').forEach((v) => graph.message(GraphField.output, (w) => writeValueInfo(w, v)));
  return writeModel(graph.finish(), {
    irVersion: Math.max(8, g.irVersion),
    opsets: g.opsets,
    metadata: Object.entries(options.metadata),
  });
}
