import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { ensureFixtures } from '@modelhub/testing';

import { loadLayersModelFromDir, splitLayersModel } from '../src/index.ts';

let model: tf.LayersModel;

beforeAll(async () => {
  // Training needs gradient kernels the wasm backend lacks: the pure-JS cpu backend has them.
  await tf.setBackend('cpu');
  const fx = await ensureFixtures();
  model = await loadLayersModelFromDir(fx.models['mobilenet-v2'].dir);
});

describe('splitLayersModel (partial fine-tuning of a TF.js layers model)', () => {
  it('splits MobileNetV2 so that head(base(x)) equals model(x)', () => {
    const { base, head } = splitLayersModel(model, 'block_16_project_BN');
    expect(base.outputs[0]?.shape).toEqual([null, 7, 7, 320]);
    expect(head.inputs[0]?.shape).toEqual([null, 7, 7, 320]);
    expect(head.layers.map((l) => l.name)).toContain('Conv_1');
    const diff = tf.tidy(() => {
      const x = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 7);
      const full = model.predict(x) as tf.Tensor;
      const composed = head.predict(base.predict(x)) as tf.Tensor;
      return full.sub(composed).abs().max().dataSync()[0];
    });
    expect(diff).toBeLessThan(1e-5);
  });

  it('trains the layers after the cut on cached activations (cpu backend), sharing weights with the model', async () => {
    // Cut after the last conv: the head is Conv_1_bn, ReLU, pooling and the Dense layers. (Cutting
    // before Conv_1 works too, but its backward pass on the cpu backend takes ~10 s per image.)
    const { base, head } = splitLayersModel(model, 'Conv_1');
    const x = tf.randomUniform([4, 224, 224, 3], 0, 1, 'float32', 11);
    const activations = base.predict(x) as tf.Tensor;
    const labels = tf.oneHot(tf.tensor1d([0, 1, 2, 3], 'int32'), 5);
    const bnBefore = model.getLayer('Conv_1_bn').getWeights()[0]?.dataSync().slice(0, 8);
    const before = model.getLayer('dense_3').getWeights()[0]?.dataSync().slice(0, 8);
    head.compile({ optimizer: tf.train.adam(1e-3), loss: 'categoricalCrossentropy' });
    const history = await head.fit(activations, labels, {
      epochs: 6,
      batchSize: 4,
      verbose: 0,
      shuffle: false,
    });
    const losses = history.history['loss'] as number[];
    expect(losses[losses.length - 1]).toBeLessThan(losses[0] ?? 0);
    // The head's layers are the model's own: training moved the original dense_3 weights.
    const after = model.getLayer('dense_3').getWeights()[0]?.dataSync().slice(0, 8);
    expect(Array.from(after ?? [])).not.toEqual(Array.from(before ?? []));
    const bnAfter = model.getLayer('Conv_1_bn').getWeights()[0]?.dataSync().slice(0, 8);
    expect(Array.from(bnAfter ?? [])).not.toEqual(Array.from(bnBefore ?? []));
    tf.dispose([x, activations, labels]);
  });

  it('refuses a cut that a skip connection crosses, and an unknown layer', () => {
    // block_15_add adds block_14_add (before the cut) to block_15_project_BN.
    expect(() => splitLayersModel(model, 'block_15_project_BN')).toThrow(/reads a tensor from before/);
    expect(() => splitLayersModel(model, 'nope')).toThrow(/no layer "nope"/);
  });
});
