import * as tf from '@tensorflow/tfjs';

import { ModelhubError } from '@modelhub/core';

import type { FineTuneSpec } from './fine-tune-spec.ts';

/** Layer classes whose weights count as "a layer" for `--fine-tune last:N`. */
const weightedClasses = new Set(['Conv2D', 'DepthwiseConv2D', 'SeparableConv2D', 'Conv1D', 'Dense']);

/** Where a backbone is cut for fine-tuning, and what trains. */
export interface TailPlan {
  /** Layer whose output is cached (the frozen part ends here); `input` layers for `all`. */
  readonly cutLayer: string;
  /** The feature layer the head reads (the tail ends here). */
  readonly tapLayer: string;
  /** Weighted layers that train, in order. */
  readonly trainedLayers: readonly string[];
}

/**
 * The latest layer at or before `from` where the model can be cut: no layer between it and the tap
 * reads a tensor from before it (a residual connection across the cut). Layers between the cut and
 * the first trained layer are part of the tail but stay frozen.
 */
function latestCleanCut(model: tf.LayersModel, from: number, tapIndex: number): number {
  const index = new Map(model.layers.map((l, i) => [l, i]));
  // The earliest layer each later layer (up to the tap) reads from, suffix-minimised from the tap.
  let earliestRead = Number.POSITIVE_INFINITY;
  const earliestFrom = new Array<number>(tapIndex + 2).fill(Number.POSITIVE_INFINITY);
  for (let i = tapIndex; i >= 0; i--) {
    const layer = model.layers[i];
    for (const source of layer?.inboundNodes[0]?.inboundLayers ?? []) {
      earliestRead = Math.min(earliestRead, index.get(source) ?? Number.POSITIVE_INFINITY);
    }
    earliestFrom[i] = earliestRead;
  }
  for (let k = from; k > 0; k--) {
    // Every layer after k reads only k or later layers.
    if ((earliestFrom[k + 1] ?? Number.POSITIVE_INFINITY) >= k) {
      return k;
    }
  }
  return 0;
}

/**
 * Chooses the cut for `last:N`: the N weighted layers (convolutions, dense) nearest the tap train,
 * together with everything between them and the tap (BatchNorm scale/offset included, its
 * statistics frozen); `all` trains every layer from the input on. Inside a residual block the cut
 * moves back to the block's input, and the layers it adds stay frozen.
 */
export function planTail(model: tf.LayersModel, tapLayer: string, spec: FineTuneSpec): TailPlan {
  const names = model.layers.map((l) => l.name);
  const tapIndex = names.indexOf(tapLayer);
  if (tapIndex < 0) {
    throw new ModelhubError('INVALID_ARGUMENT', `the backbone has no layer "${tapLayer}" to fine-tune up to`);
  }
  const weighted = model.layers
    .slice(0, tapIndex + 1)
    .map((l, i) => ({ name: l.name, i, cls: l.getClassName() }))
    .filter((l) => weightedClasses.has(l.cls));
  if (spec.mode === 'none') {
    throw new ModelhubError('INVALID_ARGUMENT', 'nothing to fine-tune with --fine-tune none');
  }
  if (spec.mode === 'last' && spec.layers > weighted.length) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `--fine-tune last:${spec.layers} asks for more layers than the backbone has (${weighted.length} up to "${tapLayer}")`,
      { hint: `Use last:1 … last:${weighted.length}, or all.` },
    );
  }
  const trained = spec.mode === 'all' ? weighted : weighted.slice(-spec.layers);
  const first = trained[0];
  if (first === undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `the backbone has no trainable layer before "${tapLayer}"`);
  }
  const cutIndex = spec.mode === 'all' ? 0 : latestCleanCut(model, first.i - 1, tapIndex);
  const cut = model.layers[cutIndex];
  if (cut === undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', 'the backbone cannot be cut before its first layer');
  }
  return { cutLayer: cut.name, tapLayer, trainedLayers: trained.map((t) => t.name) };
}

/**
 * Builds `tail`: the cut layer's output → the tap layer's output, re-applying the original layer
 * objects (their weights are shared, so training the tail trains the backbone's layers). Fails
 * when a layer of the tail also reads a tensor from before the cut (a skip connection across it).
 */
export function buildTail(model: tf.LayersModel, plan: TailPlan): tf.LayersModel {
  const names = model.layers.map((l) => l.name);
  const cutIndex = names.indexOf(plan.cutLayer);
  const tapIndex = names.indexOf(plan.tapLayer);
  const cut = model.layers[cutIndex];
  if (cut === undefined || tapIndex <= cutIndex) {
    throw new ModelhubError('INVALID_ARGUMENT', `cannot cut at "${plan.cutLayer}" before "${plan.tapLayer}"`);
  }
  const cutOutput = cut.getOutputAt(0);
  if (Array.isArray(cutOutput)) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `layer "${plan.cutLayer}" has several outputs; it cannot be a cut`,
    );
  }
  const input = tf.input({
    shape: cutOutput.shape.slice(1),
    name: `${plan.cutLayer}_activations`,
  });
  const mapped = new Map<tf.SymbolicTensor, tf.SymbolicTensor>([[cutOutput, input]]);
  for (const layer of model.layers.slice(cutIndex + 1, tapIndex + 1)) {
    const node = layer.inboundNodes[0];
    if (node === undefined) {
      continue;
    }
    const sources = node.inputTensors.map((t) => mapped.get(t));
    if (sources.some((s) => s === undefined)) {
      if (sources.every((s) => s === undefined)) {
        continue;
      }
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `layer "${layer.name}" reads a tensor from before "${plan.cutLayer}" (a skip connection), so the backbone cannot be cut there`,
        { hint: 'Choose another N for --fine-tune last:N (cut at a block boundary), or use all.' },
      );
    }
    const args = sources as tf.SymbolicTensor[];
    const out = layer.apply(args.length === 1 ? (args[0] as tf.SymbolicTensor) : args) as
      tf.SymbolicTensor | tf.SymbolicTensor[];
    const outs = Array.isArray(out) ? out : [out];
    node.outputTensors.forEach((t, i) => {
      const o = outs[i];
      if (o !== undefined) {
        mapped.set(t, o);
      }
    });
  }
  const tapNode = model.getLayer(plan.tapLayer).getOutputAt(0);
  const output = Array.isArray(tapNode) ? undefined : mapped.get(tapNode);
  if (output === undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `"${plan.tapLayer}" does not depend on "${plan.cutLayer}"`);
  }
  const firstTrained =
    plan.trainedLayers[0] === undefined ? cutIndex + 1 : names.indexOf(plan.trainedLayers[0]);
  for (const layer of model.layers.slice(cutIndex + 1, tapIndex + 1)) {
    layer.trainable = names.indexOf(layer.name) >= firstTrained;
  }
  return tf.model({ inputs: input, outputs: output, name: `tail_${plan.cutLayer}_to_${plan.tapLayer}` });
}
