import * as tf from '@tensorflow/tfjs';

import { ModelhubError } from '@modelhub/core';

import { dirIOHandler } from './model-files.ts';
import { toModelhubError } from './to-modelhub-error.ts';

/**
 * Loads a TF.js layers model from a local folder on the current tf backend (no tfjs-node).
 * For training (Option 2), call `await tf.setBackend('cpu')` first: the wasm backend lacks
 * gradient kernels such as Conv2DBackpropFilter.
 */
export async function loadLayersModelFromDir(modelDir: string): Promise<tf.LayersModel> {
  try {
    return await tf.loadLayersModel(dirIOHandler(modelDir));
  } catch (error) {
    throw toModelhubError(error, modelDir);
  }
}

/** A layers model split in two at a layer: `base(x)` feeds `head`, and `head(base(x))` = `model(x)`. */
export interface SplitLayersModel {
  /** Input → the cut layer's output (frozen feature extractor for activations). */
  readonly base: tf.LayersModel;
  /** The cut layer's output → the model's outputs; shares (trainable) layers with the original. */
  readonly head: tf.LayersModel;
}

/**
 * Splits a layers model after `cutLayer`. The head re-applies every later layer to a new input of
 * the cut's shape, so its weights are the original layer objects (train them, then save either
 * model). Fails when a later layer also reads a tensor from before the cut (a skip connection
 * across it): choose a cut every path goes through, e.g. a block output.
 */
export function splitLayersModel(model: tf.LayersModel, cutLayer: string): SplitLayersModel {
  const names = model.layers.map((l) => l.name);
  const cutIndex = names.indexOf(cutLayer);
  if (cutIndex < 0) {
    throw new ModelhubError('INVALID_ARGUMENT', `The model has no layer "${cutLayer}"`, {
      hint: `Layers near the end: ${names.slice(-8).join(', ')}.`,
    });
  }
  const cut = model.getLayer(cutLayer);
  // Node 0 is the layer's call in the original model; splitting adds more calls (nodes) to the
  // later layers, so `layer.output` would be ambiguous on a second split.
  const cutOutput = cut.getOutputAt(0);
  if (Array.isArray(cutOutput)) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `Layer "${cutLayer}" has several outputs; cut at a single-output layer`,
    );
  }
  const base = tf.model({ inputs: model.inputs, outputs: cutOutput });
  const input = tf.input({ shape: cutOutput.shape.slice(1), name: `${cutLayer}_features` });
  const mapped = new Map<tf.SymbolicTensor, tf.SymbolicTensor>([[cutOutput, input]]);
  for (const layer of model.layers.slice(cutIndex + 1)) {
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
        'INVALID_ARGUMENT',
        `Layer "${layer.name}" reads a tensor from before "${cutLayer}"; the model cannot be split there`,
        {
          hint: 'Cut at a layer every path goes through (a block output, or the pooling layer).',
        },
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
  const outputs = model.outputs.map((o) => mapped.get(o));
  if (outputs.some((o) => o === undefined)) {
    throw new ModelhubError('INVALID_ARGUMENT', `The model's outputs do not depend on "${cutLayer}"`);
  }
  const head = tf.model({
    inputs: input,
    outputs: outputs as tf.SymbolicTensor[],
    name: `${model.name}_after_${cutLayer}`,
  });
  return { base, head };
}
