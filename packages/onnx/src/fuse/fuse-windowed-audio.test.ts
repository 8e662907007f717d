import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { buildHeadModel } from '../head/build-head-model.ts';
import { buildOnnxModel } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';
import { fuseWindowedAudioClassifier, type WindowedAudioPlan } from './fuse-windowed-audio.ts';

// A tiny two-graph backbone with speech_embedding's layout. Front end: samples [1, L] → frames
// [1, 1, L/4, 4] (4 samples per frame, the frame is the samples themselves, squared so the sign
// of the input matters). Embedding: windows [N, 6, 4, 1] → a weighted sum over the window's frames
// [N, 1, 1, 4] (the weights tell the frames apart, so a wrong window start shows).
const plan: Omit<WindowedAudioPlan, 'pooling'> = {
  scale: 8,
  minSamples: 48,
  samplesPerFrame: 4,
  frameScale: 0.1,
  frameOffset: 2,
  window: 6,
  hop: 2,
  width: 4,
  minFrames: 12,
};

const frontend = buildOnnxModel({
  opsets: { '': 13 },
  nodes: [
    { opType: 'Mul', name: 'square', inputs: ['input', 'input'], outputs: ['sq'] },
    { opType: 'Reshape', name: 'frames', inputs: ['sq', 'shape'], outputs: ['output'] },
  ],
  initializers: [
    { name: 'shape', dims: [4], dataType: DataType.int64, values: BigInt64Array.from([1n, 1n, -1n, 4n]) },
  ],
  inputs: [{ name: 'input', elemType: DataType.float, dims: [1, 'samples'] }],
  outputs: [{ name: 'output', elemType: DataType.float, dims: [1, 1, 'frames', 4] }],
});

const frameWeights = Float32Array.from({ length: 6 }, (_, i) => (i + 1) / 10);
const embedding = buildOnnxModel({
  opsets: { '': 13 },
  nodes: [
    { opType: 'Mul', name: 'weigh', inputs: ['input_1', 'w'], outputs: ['weighted'] },
    {
      opType: 'ReduceSum',
      name: 'sum',
      inputs: ['weighted', 'axes'],
      outputs: ['summed'],
      attributes: { keepdims: 1 },
    },
    {
      opType: 'Transpose',
      name: 'nchw',
      inputs: ['summed'],
      outputs: ['conv2d_19'],
      attributes: { perm: [0, 1, 3, 2] },
    },
  ],
  initializers: [
    { name: 'w', dims: [1, 6, 1, 1], dataType: DataType.float, values: frameWeights },
    { name: 'axes', dims: [1], dataType: DataType.int64, values: BigInt64Array.from([1n]) },
  ],
  inputs: [{ name: 'input_1', elemType: DataType.float, dims: ['N', 6, 4, 1] }],
  outputs: [{ name: 'conv2d_19', elemType: DataType.float, dims: ['N', 1, 1, 4] }],
});

const seq = (n: number, scale: number, shift = 0): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * scale + shift));

function head(inDim: number): Uint8Array {
  return buildHeadModel({
    layers: [{ weight: seq(3 * inDim, 0.9), bias: seq(3, 0.4), inDim, outDim: 3, activation: 'none' }],
    labels: ['a', 'b', 'c'],
    metadata: {},
  });
}

/** The adapter's computation, by hand: centre, scale, frames, windows, mask, pooling, head. */
function reference(samples: Float32Array, pooling: WindowedAudioPlan['pooling']): number[] {
  const length = Math.max(samples.length, plan.minSamples);
  const offset = Math.floor((length - samples.length) / 2);
  const wave = new Float32Array(length);
  samples.forEach((x, i) => (wave[offset + i] = x * plan.scale));
  const frames = Float32Array.from(wave, (x) => Math.fround(x * x) * plan.frameScale + plan.frameOffset);
  const frameCount = length / plan.samplesPerFrame;
  const count = Math.floor((frameCount - plan.window) / plan.hop) + 1;
  const realStart = Math.floor(offset / plan.samplesPerFrame);
  const realEnd = Math.max(realStart + 1, Math.ceil((offset + samples.length) / plan.samplesPerFrame));
  const vectors: number[][] = [];
  const mask: boolean[] = [];
  for (let w = 0; w < count; w++) {
    const start = w * plan.hop;
    const v = [0, 0, 0, 0];
    for (let f = 0; f < plan.window; f++) {
      for (let k = 0; k < 4; k++) {
        v[k] = (v[k] ?? 0) + (frames[(start + f) * 4 + k] ?? 0) * (frameWeights[f] ?? 0);
      }
    }
    vectors.push(v);
    const centre = start + plan.window / 2;
    mask.push(centre >= realStart && centre < realEnd);
  }
  if (!mask.includes(true)) {
    const middle = (realStart + realEnd) / 2;
    let best = 0;
    mask.forEach((_, w) => {
      if (Math.abs(w * plan.hop + 3 - middle) < Math.abs(best * plan.hop + 3 - middle)) {
        best = w;
      }
    });
    mask[best] = true;
  }
  const real = vectors.filter((_, w) => mask[w]);
  const mean = [0, 1, 2, 3].map((k) => real.reduce((a, v) => a + (v[k] ?? 0), 0) / real.length);
  const max = [0, 1, 2, 3].map((k) => Math.max(...real.map((v) => v[k] ?? 0)));
  const features = pooling === 'mean' ? mean : pooling === 'max' ? max : [...mean, ...max];
  const w = seq(3 * features.length, 0.9);
  const b = seq(3, 0.4);
  const logits = [0, 1, 2].map(
    (o) => (b[o] ?? 0) + features.reduce((a, x, k) => a + x * (w[o * features.length + k] ?? 0), 0),
  );
  const top = Math.max(...logits);
  const e = logits.map((l) => Math.exp(l - top));
  const z = e.reduce((a, x) => a + x, 0);
  return e.map((x) => x / z);
}

describe('fuseWindowedAudioClassifier', () => {
  it.each(['mean', 'max', 'meanmax'] as const)(
    'computes what the adapter computes, %s-pooled, for short, exact and long clips',
    async (pooling) => {
      const fused = fuseWindowedAudioClassifier(frontend, embedding, head(pooling === 'meanmax' ? 8 : 4), {
        ...plan,
        pooling,
        metadata: { labels: '["a","b","c"]' },
      });
      const session = await ort.InferenceSession.create(fused);
      try {
        expect(session.inputNames).toEqual(['audio']);
        expect(session.outputNames).toEqual(['logits', 'probs']);
        // 4 samples (shorter than a hop: only the window nearest its middle counts), 20 (centred
        // in silence, some windows real), 48 (exactly the minimum), 100 and 104 (longer: all real;
        // this front end needs whole frames).
        for (const length of [4, 20, 48, 100, 104]) {
          const samples = seq(length, 0.37, length);
          const out = await session.run({ audio: new ort.Tensor('float32', samples, [1, length]) });
          const probs = [...(out['probs']?.data as Float32Array)];
          const expected = reference(samples, pooling);
          probs.forEach((p, i) =>
            expect(p, `length ${length}, class ${i}`).toBeCloseTo(expected[i] ?? NaN, 5),
          );
        }
      } finally {
        await session.release();
      }
    },
  );

  it('refuses a minimum clip shorter than one window', () => {
    expect(() =>
      fuseWindowedAudioClassifier(frontend, embedding, head(4), {
        ...plan,
        minFrames: 5,
        pooling: 'mean',
        metadata: {},
      }),
    ).toThrow(/fewer than one window/);
  });
});
