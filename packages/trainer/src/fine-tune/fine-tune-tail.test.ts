import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { trainHead } from '../fit/train-head.ts';
import { SeededRandom } from '../random/seeded-random.ts';
import { fineTuneTail, runTail } from './fine-tune-tail.ts';
import { buildTail, planTail } from './tfjs-tail.ts';
import { useTrainingBackend } from './wasm-training-backend.ts';
import { seededConv1x1 } from '../../test/helpers/seeded-layers.ts';

/** input [4,4,2] → c1 → bn1 → relu1 → c2 → bn2 → relu2 → gap (the tap) → out. */
function tinyBackbone(): tf.LayersModel {
  const input = tf.input({ shape: [4, 4, 2], name: 'image' });
  let x = seededConv1x1(3, 'c1', 1).apply(input) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn1' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'relu1' }).apply(x) as tf.SymbolicTensor;
  x = seededConv1x1(4, 'c2', 2).apply(x) as tf.SymbolicTensor;
  x = tf.layers.batchNormalization({ name: 'bn2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.reLU({ name: 'relu2' }).apply(x) as tf.SymbolicTensor;
  x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 3, name: 'out' }).apply(x) as tf.SymbolicTensor;
  return tf.model({ inputs: input, outputs: out });
}

/** Images whose class sets the mean of both channels (noisy), with the cut activations of each. */
function data(model: tf.LayersModel, cut: string, n: number, seed: number) {
  const rng = new SeededRandom(seed);
  const means = [
    [1, -0.5],
    [-0.5, 1],
    [0.3, 0.3],
  ];
  const images = new Float32Array(n * 32);
  const targets = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cls = i % 3;
    targets[i] = cls;
    for (let p = 0; p < 16; p++) {
      images[i * 32 + p * 2] = (means[cls]?.[0] ?? 0) + rng.normal() * 0.8;
      images[i * 32 + p * 2 + 1] = (means[cls]?.[1] ?? 0) + rng.normal() * 0.8;
    }
  }
  const cutModel = tf.model({
    inputs: model.inputs,
    outputs: model.getLayer(cut).getOutputAt(0),
  });
  const acts = tf.tidy(() => cutModel.predict(tf.tensor(images, [n, 4, 4, 2])) as tf.Tensor);
  const features = Float32Array.from(acts.dataSync());
  acts.dispose();
  return { images, activations: { features, targets, rows: n } };
}

beforeAll(async () => {
  await useTrainingBackend();
});

describe('fine-tuning the last layers of a TF.js layers backbone', () => {
  it('plans the cut before the last N weighted layers and refuses too many', () => {
    const model = tinyBackbone();
    expect(planTail(model, 'gap', { mode: 'last', layers: 1 })).toEqual({
      cutLayer: 'relu1',
      tapLayer: 'gap',
      trainedLayers: ['c2'],
    });
    expect(planTail(model, 'gap', { mode: 'last', layers: 2 }).cutLayer).toBe('image');
    expect(planTail(model, 'gap', { mode: 'all' })).toMatchObject({
      cutLayer: 'image',
      trainedLayers: ['c1', 'c2'],
    });
    expect(() => planTail(model, 'gap', { mode: 'last', layers: 3 })).toThrow(
      /more layers than the backbone has \(2/,
    );
  });

  it('builds a tail that reproduces the backbone from the cut to the tap', () => {
    const model = tinyBackbone();
    const plan = planTail(model, 'gap', { mode: 'last', layers: 1 });
    const tail = buildTail(model, plan);
    const { images, activations } = data(model, plan.cutLayer, 6, 1);
    const viaTail = runTail(tail, activations.features, 6);
    const tapModel = tf.model({
      inputs: model.inputs,
      outputs: model.getLayer('gap').getOutputAt(0),
    });
    const direct = tf.tidy(() => (tapModel.predict(tf.tensor(images, [6, 4, 4, 2])) as tf.Tensor).dataSync());
    expect(viaTail).toHaveLength(24);
    viaTail.forEach((v, i) => expect(v).toBeCloseTo(direct[i] ?? Number.NaN, 5));
  });

  it('trains the tail layers from the pretrained values with BatchNorm statistics frozen, and lowers validation loss', async () => {
    const model = tinyBackbone();
    const plan = planTail(model, 'gap', { mode: 'last', layers: 1 });
    const tail = buildTail(model, plan);
    const train = data(model, plan.cutLayer, 60, 2).activations;
    const val = data(model, plan.cutLayer, 30, 3).activations;
    const tapTrain = { ...train, features: runTail(tail, train.features, train.rows) };
    const tapVal = { ...val, features: runTail(tail, val.features, val.rows) };
    const warm = trainHead(tapTrain, tapVal, 4, 3, { seed: 1 });
    const c1Before = Array.from(model.getLayer('c1').getWeights()[0]?.dataSync() ?? []);
    const c2Before = Array.from(model.getLayer('c2').getWeights()[0]?.dataSync() ?? []);
    const bnStatsBefore = Array.from(model.getLayer('bn2').getWeights()[2]?.dataSync() ?? []);
    const result = await fineTuneTail({
      tail,
      train,
      validation: val,
      head: warm,
      numClasses: 3,
      seed: 1,
      learningRate: 0.003,
      maxEpochs: 15,
    });
    expect(result.history.length).toBeGreaterThan(0);
    expect(result.bestEpoch).toBeGreaterThan(0);
    const best = result.history[result.bestEpoch - 1]?.valLoss ?? Infinity;
    const warmVal = warm.history[warm.bestEpoch - 1]?.valLoss ?? Infinity;
    expect(best).toBeLessThan(warmVal);
    expect(Array.from(model.getLayer('c1').getWeights()[0]?.dataSync() ?? [])).toEqual(c1Before);
    expect(Array.from(model.getLayer('c2').getWeights()[0]?.dataSync() ?? [])).not.toEqual(c2Before);
    expect(Array.from(model.getLayer('bn2').getWeights()[2]?.dataSync() ?? [])).toEqual(bnStatsBefore);
    expect(result.head[0]?.inDim).toBe(4);
  });
});
