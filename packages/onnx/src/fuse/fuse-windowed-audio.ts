import { ModelhubError } from '@modelhub/core';

import { inlineGraph, type InlinedGraph } from '../edit/inline-graph.ts';
import {
  singleOutputNode,
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
import { maskedPoolingNodes } from './masked-pooling-nodes.ts';

/** How a two-graph audio backbone turns a clip into one vector (what the ONNX adapter does in JS). */
export interface WindowedAudioPlan {
  /** Samples are multiplied by this before the front end (32768: int16 range). */
  readonly scale: number;
  /** Shorter clips are centred in silence up to this many samples. */
  readonly minSamples: number;
  /** Samples per front-end frame (the hop of its STFT). */
  readonly samplesPerFrame: number;
  /** Frames become `frame · frameScale + frameOffset` before windowing. */
  readonly frameScale: number;
  readonly frameOffset: number;
  /** Frames per window and between window starts. */
  readonly window: number;
  readonly hop: number;
  /** Values per frame (the front end's last output axis). */
  readonly width: number;
  /** Front-end frames of a `minSamples` clip: must be at least one window. */
  readonly minFrames: number;
  readonly pooling: 'mean' | 'max' | 'meanmax';
}

export interface WindowedAudioFuseOptions extends WindowedAudioPlan {
  /** Added as metadata_props: labels, preprocessing, provenance. */
  readonly metadata: Readonly<Record<string, string>>;
}

/** The fused graph's input: one clip of mono float samples in [-1, 1] at the model's rate. */
export const AUDIO_INPUT = 'audio';

const I64 = DataType.int64;

function int64(
  name: string,
  values: readonly number[],
  dims: readonly number[] = [values.length],
): TensorSpec {
  return { name, dims, dataType: I64, values: BigInt64Array.from(values.map(BigInt)) };
}

/**
 * Writes ONE ONNX model for a head on a frames-then-windows audio backbone (Google's
 * speech_embedding layout): input `audio` `[1, samples]` (float32 mono samples in [-1, 1] at the
 * model's rate, any length), outputs `logits` and `probs` `[1, classes]`. In between, exactly what
 * the adapter computes: the clip centred in silence up to `minSamples`, times `scale`, the
 * front-end graph, `frame · frameScale + frameOffset` (in float64, as JavaScript does), windows of
 * `window` frames every `hop`, the embedding graph on all windows at once, a mask of the windows
 * whose centre frame lies in the real audio (else the one nearest its middle), the masked pooling,
 * and the head. Both graphs are copied node for node (names prefixed `frontend/`, `embedding/`).
 */
export function fuseWindowedAudioClassifier(
  frontend: Uint8Array,
  embedding: Uint8Array,
  head: Uint8Array,
  options: WindowedAudioFuseOptions,
): Uint8Array {
  if (options.minFrames < options.window) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `A ${options.minSamples}-sample clip gives ${options.minFrames} frames, fewer than one window of ${options.window}; the fused graph needs at least one whole window.`,
      {
        hint: 'Raise the model’s minimum clip length (audio.minSeconds in modelhub.json), or use fromPretrained().',
      },
    );
  }
  const headModel = readOnnxModel(head, 'head.onnx');
  const n = (name: string): string => `audio/${name}`;
  const fe = inlineGraph(frontend, 'the front-end graph', 'frontend/', [n('scaled')]);
  const em = inlineGraph(embedding, 'the embedding graph', 'embedding/', [n('windows')]);
  const opset = Math.max(13, fe.opsets.get('') ?? 13, em.opsets.get('') ?? 13);
  for (const [graph, name] of [
    [fe, 'front-end'],
    [em, 'embedding'],
  ] as const) {
    if ((graph.opsets.get('') ?? opset) !== opset || graph.outputs.length !== 1) {
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `The ${name} graph has opset ${graph.opsets.get('') ?? '?'} and ${graph.outputs.length} output(s); fusing needs both graphs on one opset (≥ 13) with one output each.`,
        { hint: 'Use the head through fromPretrained() or hub predict instead of a fused export.' },
      );
    }
  }
  const mel = fe.outputs[0] ?? '';
  const embedded = em.outputs[0] ?? '';

  const tensors: TensorSpec[] = [
    int64(n('zero'), [0], []),
    int64(n('one'), [1], []),
    int64(n('two'), [2], []),
    int64(n('zero_1d'), [0]),
    int64(n('axes_0'), [0]),
    int64(n('axes_1'), [1]),
    int64(n('axes_3'), [3]),
    int64(n('min_samples'), [options.minSamples], []),
    int64(n('samples_per_frame'), [options.samplesPerFrame], []),
    int64(n('samples_per_frame_minus_1'), [options.samplesPerFrame - 1], []),
    int64(n('window'), [options.window], []),
    int64(n('hop'), [options.hop], []),
    int64(n('half_window'), [Math.floor(options.window / 2)], []),
    int64(
      n('window_offsets'),
      Array.from({ length: options.window }, (_, i) => i),
    ),
    int64(n('frame_shape'), [-1, options.width]),
    { name: n('scale'), dims: [], dataType: DataType.float, values: Float32Array.of(options.scale) },
    { name: n('zero_f'), dims: [], dataType: DataType.float, values: Float32Array.of(0) },
    float64(n('frame_scale'), options.frameScale),
    float64(n('frame_offset'), options.frameOffset),
    float64(n('two_d'), 2),
  ];
  const node = singleOutputNode;
  const cast = (input: string, output: string, to: number): NodeSpec => node('Cast', [input], output, { to });
  // 1. Centre the clip in silence up to minSamples, scale it, feed the front end.
  const before: NodeSpec[] = [
    node('Shape', [AUDIO_INPUT], n('shape')),
    node('Gather', [n('shape'), n('one')], n('samples'), { axis: 0 }),
    node('Sub', [n('min_samples'), n('samples')], n('shortfall')),
    node('Max', [n('shortfall'), n('zero')], n('pad_total')),
    node('Div', [n('pad_total'), n('two')], n('pad_left')),
    node('Sub', [n('pad_total'), n('pad_left')], n('pad_right')),
    node('Unsqueeze', [n('pad_left'), n('axes_0')], n('pad_left_1d')),
    node('Unsqueeze', [n('pad_right'), n('axes_0')], n('pad_right_1d')),
    node('Concat', [n('zero_1d'), n('pad_left_1d'), n('zero_1d'), n('pad_right_1d')], n('pads'), { axis: 0 }),
    node('Pad', [AUDIO_INPUT, n('pads')], n('padded'), { mode: 'constant' }),
    node('Mul', [n('padded'), n('scale')], n('scaled')),
  ];
  // 2. Frames → windows of `window` frames every `hop` → the embedding graph.
  const windows: NodeSpec[] = [
    cast(mel, n('mel_f64'), DataType.double),
    node('Mul', [n('mel_f64'), n('frame_scale')], n('mel_scaled')),
    node('Add', [n('mel_scaled'), n('frame_offset')], n('mel_shifted')),
    cast(n('mel_shifted'), n('frames_f32'), DataType.float),
    node('Reshape', [n('frames_f32'), n('frame_shape')], n('frames')),
    node('Shape', [n('frames')], n('frames_shape')),
    node('Gather', [n('frames_shape'), n('zero')], n('frame_count'), { axis: 0 }),
    node('Sub', [n('frame_count'), n('window')], n('spare_frames')),
    node('Div', [n('spare_frames'), n('hop')], n('extra_windows')),
    node('Add', [n('extra_windows'), n('one')], n('window_count')),
    node('Mul', [n('window_count'), n('hop')], n('starts_end')),
    node('Range', [n('zero'), n('starts_end'), n('hop')], n('starts')),
    node('Unsqueeze', [n('starts'), n('axes_1')], n('starts_col')),
    node('Add', [n('starts_col'), n('window_offsets')], n('frame_index')),
    node('Gather', [n('frames'), n('frame_index')], n('window_frames'), { axis: 0 }),
    node('Unsqueeze', [n('window_frames'), n('axes_3')], n('windows')),
  ];
  // 3. Which windows hold real audio; pool those; the head.
  const pooled = n('features');
  const after: NodeSpec[] = [
    node('Flatten', [embedded], n('window_vectors'), { axis: 1 }),
    node('Div', [n('pad_left'), n('samples_per_frame')], n('real_start')),
    node('Add', [n('pad_left'), n('samples')], n('real_end_sample')),
    node('Add', [n('real_end_sample'), n('samples_per_frame_minus_1')], n('real_end_round_up')),
    node('Div', [n('real_end_round_up'), n('samples_per_frame')], n('real_end_ceil')),
    node('Add', [n('real_start'), n('one')], n('real_start_plus_1')),
    node('Max', [n('real_start_plus_1'), n('real_end_ceil')], n('real_end')),
    node('Add', [n('starts'), n('half_window')], n('centres')),
    node('GreaterOrEqual', [n('centres'), n('real_start')], n('after_start')),
    node('Less', [n('centres'), n('real_end')], n('before_end')),
    node('And', [n('after_start'), n('before_end')], n('inside')),
    cast(n('inside'), n('inside_f'), DataType.float),
    // No window centred in the clip (a clip under one hop): the one nearest its middle counts.
    node('Add', [n('real_start'), n('real_end')], n('real_sum')),
    cast(n('real_sum'), n('real_sum_f64'), DataType.double),
    node('Div', [n('real_sum_f64'), n('two_d')], n('middle')),
    cast(n('centres'), n('centres_f64'), DataType.double),
    node('Sub', [n('centres_f64'), n('middle')], n('off_middle')),
    node('Abs', [n('off_middle')], n('distance')),
    node('ArgMin', [n('distance')], n('nearest'), { axis: 0, keepdims: 0 }),
    node('Range', [n('zero'), n('window_count'), n('one')], n('window_ids')),
    node('Equal', [n('window_ids'), n('nearest')], n('is_nearest')),
    cast(n('is_nearest'), n('nearest_f'), DataType.float),
    node('ReduceMax', [n('inside_f')], n('any_inside'), { keepdims: 0 }),
    node('Greater', [n('any_inside'), n('zero_f')], n('has_inside')),
    node('Where', [n('has_inside'), n('inside_f'), n('nearest_f')], n('mask')),
    node('Unsqueeze', [n('mask'), n('axes_1')], n('mask_col')),
  ];
  const pooling = maskedPoolingNodes({
    values: n('window_vectors'),
    mask: n('mask_col'),
    axis: 0,
    keepdims: true,
    pooling: options.pooling,
    output: pooled,
    prefix: n('pool_'),
    opset,
  });
  after.push(...pooling.nodes);

  const taken = new Set<string>([AUDIO_INPUT, pooled]);
  const unique = uniqueNames(taken);
  const inlined = inlineHead(headModel, pooled, unique);

  const graph = new WireWriter();
  const writeNodes = (nodes: readonly NodeSpec[]): void => {
    nodes.forEach((spec) => graph.message(GraphField.node, (w) => writeNode(w, spec)));
  };
  const writeInlined = (g: InlinedGraph): void => {
    g.fields.filter((f) => f.no === GraphField.node).forEach((f) => graph.bytes(f.no, f.bytes));
  };
  // Nodes in topological order: glue, front end, glue, embedding, glue, head.
  writeNodes(before);
  writeInlined(fe);
  writeNodes(windows);
  writeInlined(em);
  writeNodes(after);
  writeNodes(inlined.nodes);
  graph.string(GraphField.name, 'modelhub-audio-classifier');
  for (const g of [fe, em]) {
    g.fields.filter((f) => f.no !== GraphField.node).forEach((f) => graph.bytes(f.no, f.bytes));
  }
  // Only the constants this pooling reads (onnxruntime warns about unused initializers).
  const read = new Set([...before, ...windows, ...after].flatMap((spec) => spec.inputs));
  [...tensors.filter((t) => read.has(t.name)), ...pooling.tensors, ...inlined.tensors].forEach((t) =>
    graph.message(GraphField.initializer, (w) => writeTensor(w, t)),
  );
  graph.message(GraphField.input, (w) =>
    writeValueInfo(w, { name: AUDIO_INPUT, elemType: DataType.float, dims: [1, 'samples'] }),
  );
  headOutputs(inlined, 1).forEach((v) => graph.message(GraphField.output, (w) => writeValueInfo(w, v)));

  const opsets = new Map<string, number>([['', opset]]);
  for (const g of [fe, em]) {
    for (const [domain, version] of g.opsets) {
      if (domain !== '' && domain !== 'ai.onnx') {
        opsets.set(domain, Math.max(opsets.get(domain) ?? 0, version));
      }
    }
  }
  return writeModel(graph.finish(), {
    irVersion: Math.max(8, fe.irVersion, em.irVersion),
    opsets,
    metadata: Object.entries(options.metadata),
  });
}

function float64(name: string, value: number): TensorSpec {
  // A float64 scalar: the typed array carries the bytes, dataType says what they are.
  const bytes = new Uint8Array(new Float64Array([value]).buffer);
  return { name, dims: [], dataType: DataType.double, values: bytes };
}
