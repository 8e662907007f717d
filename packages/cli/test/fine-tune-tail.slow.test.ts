// The tail Option 2 trains is the backbone's own last layers: on the real MobileNetV2, running the
// tail on the activations at the cut gives the backbone's features at the tap, for every last:N
// (including cuts that fall inside a residual block and move back to its input).
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { loadLayersModelFromDir } from '@modelhub/adapter-tfjs';
import { ensureFixtures } from '@modelhub/testing';
import { buildTail, planTail, useTrainingBackend } from '@modelhub/trainer/fine-tune';

let model: tf.LayersModel;

beforeAll(async () => {
  await useTrainingBackend();
  const fx = await ensureFixtures();
  model = await loadLayersModelFromDir(fx.models['mobilenet-v2'].dir);
});

describe('fine-tuning tails of MobileNetV2 (TF.js layers)', () => {
  it.each([1, 2, 5])('last:%i: tail(activations at the cut) equals the backbone up to the tap', (n) => {
    const plan = planTail(model, 'flatten_1', { mode: 'last', layers: n });
    const tail = buildTail(model, plan);
    const trained = tail.layers
      .filter((l) => l.trainable && l.trainableWeights.length > 0)
      .map((l) => l.name);
    // Every named layer trains; layers a residual block added before them stay frozen.
    expect(trained.filter((name) => !name.endsWith('_BN') && !name.endsWith('_bn'))).toEqual(
      plan.trainedLayers,
    );
    const diff = tf.tidy(() => {
      const x = tf.randomUniform([2, 224, 224, 3], 0, 1, 'float32', 7);
      const toCut = tf.model({ inputs: model.inputs, outputs: model.getLayer(plan.cutLayer).getOutputAt(0) });
      const toTap = tf.model({ inputs: model.inputs, outputs: model.getLayer('flatten_1').getOutputAt(0) });
      const direct = toTap.predict(x) as tf.Tensor;
      const composed = tail.predict(toCut.predict(x)) as tf.Tensor;
      return direct.sub(composed).abs().max().dataSync()[0];
    });
    expect(diff).toBeLessThan(1e-4);
  });

  it('moves a cut that would cross a residual connection back to the block input', () => {
    // last:5 starts at block_15_project, inside block 15 (whose add reads block 14's output).
    const plan = planTail(model, 'flatten_1', { mode: 'last', layers: 5 });
    expect(plan.trainedLayers[0]).toBe('block_15_project');
    expect(plan.cutLayer).toBe('block_14_add');
  });
});
