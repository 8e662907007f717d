import * as tf from '@tensorflow/tfjs';
import { afterAll, describe, expect, it } from 'vitest';

import { useTrainingBackend } from './wasm-training-backend.ts';

/**
 * Every layer kind MobileNetV2's tail has, plus the general cases the wasm kernels fall back on:
 * a strided 3×3 convolution, depthwise convolutions with multiplier 1 (same) and 2 (valid,
 * strided), inference-mode batch normalisation, ReLU6, a 2×2 and a global average pooling, dense.
 */
function network(): tf.LayersModel {
  const seeded = (seed: number) => tf.initializers.glorotUniform({ seed });
  const input = tf.input({ shape: [9, 9, 3] });
  const layers: tf.layers.Layer[] = [
    tf.layers.conv2d({
      filters: 8,
      kernelSize: 3,
      strides: 2,
      padding: 'same',
      kernelInitializer: seeded(1),
    }),
    tf.layers.batchNormalization({
      movingMeanInitializer: tf.initializers.constant({ value: 0.1 }),
      movingVarianceInitializer: tf.initializers.constant({ value: 1.7 }),
      gammaInitializer: tf.initializers.constant({ value: 0.9 }),
      betaInitializer: tf.initializers.constant({ value: 0.05 }),
    }),
    tf.layers.reLU({ maxValue: 6 }),
    tf.layers.depthwiseConv2d({ kernelSize: 3, padding: 'same', depthwiseInitializer: seeded(2) }),
    tf.layers.conv2d({ filters: 6, kernelSize: 1, kernelInitializer: seeded(3) }),
    tf.layers.depthwiseConv2d({
      kernelSize: 2,
      depthMultiplier: 2,
      strides: 1,
      padding: 'valid',
      depthwiseInitializer: seeded(4),
    }),
    tf.layers.averagePooling2d({ poolSize: 2, strides: 1 }),
    tf.layers.conv2d({ filters: 5, kernelSize: 1, useBias: false, kernelInitializer: seeded(5) }),
    tf.layers.averagePooling2d({ poolSize: 2 }),
    tf.layers.flatten(),
    tf.layers.dense({ units: 4, kernelInitializer: seeded(6) }),
  ];
  let x: tf.SymbolicTensor = input;
  for (const layer of layers) {
    x = layer.apply(x) as tf.SymbolicTensor;
  }
  return tf.model({ inputs: input, outputs: x });
}

function gradients(model: tf.LayersModel, x: tf.Tensor, labels: tf.Tensor): Map<string, Float32Array> {
  const { grads } = tf.variableGrads(
    () =>
      tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
        labels,
        model.apply(x, { training: false }) as tf.Tensor,
      ),
    model.trainableWeights.map((w) => w.read() as tf.Variable),
  );
  const out = new Map<string, Float32Array>();
  for (const [name, g] of Object.entries(grads)) {
    out.set(name, Float32Array.from(g.dataSync()));
    g.dispose();
  }
  return out;
}

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('useTrainingBackend', () => {
  it('trains on wasm with the same gradients as the reference cpu backend, for every layer kind', async () => {
    await tf.setBackend('cpu');
    const model = network();
    const x = tf.randomNormal([3, 9, 9, 3], 0, 1, 'float32', 7);
    const labels = tf.oneHot(tf.tensor1d([0, 2, 3], 'int32'), 4);
    const reference = gradients(model, x, labels);

    await useTrainingBackend();
    expect(tf.getBackend()).toBe('wasm');
    const onWasm = gradients(model, x, labels);

    expect([...onWasm.keys()].sort()).toEqual([...reference.keys()].sort());
    expect(reference.size).toBe(model.trainableWeights.length);
    for (const [name, expected] of reference) {
      const actual = onWasm.get(name) ?? new Float32Array();
      const scale = Math.max(...expected.map(Math.abs));
      expect(scale, `${name} has a non-zero gradient`).toBeGreaterThan(0);
      const worst = Math.max(...expected.map((e, i) => Math.abs(e - (actual[i] ?? Number.NaN))));
      expect(worst / scale, name).toBeLessThan(1e-4);
    }
  });

  it('multiplies transposed operands like the plain product', async () => {
    await useTrainingBackend();
    const a = tf.randomNormal([2, 5, 3], 0, 1, 'float32', 1);
    const b = tf.randomNormal([2, 5, 4], 0, 1, 'float32', 2);
    const viaFlags = tf.matMul(a, b, true, false);
    const explicit = tf.matMul(tf.transpose(a, [0, 2, 1]), b);
    expect(viaFlags.shape).toEqual([2, 3, 4]);
    const diff = tf.max(tf.abs(tf.sub(viaFlags, explicit))).dataSync()[0];
    expect(diff).toBeLessThan(1e-5);
    const bothFlags = tf.matMul(b, a, true, false).transpose([0, 2, 1]);
    const reverse = tf.matMul(a, b, true, false);
    expect(tf.max(tf.abs(tf.sub(bothFlags, reverse))).dataSync()[0]).toBeLessThan(1e-5);
    const viaB = tf.matMul(tf.transpose(a, [0, 2, 1]), tf.transpose(b, [0, 2, 1]), false, true);
    expect(tf.max(tf.abs(tf.sub(viaB, explicit))).dataSync()[0]).toBeLessThan(1e-5);
  });
});
