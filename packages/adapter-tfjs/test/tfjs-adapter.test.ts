import * as tf from '@tensorflow/tfjs';
import * as nsfwjs from 'nsfwjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureFixtures } from '@modelhub/testing';
import type { FixtureSet } from '@modelhub/testing';

import { loadTfjsFeatureExtractor, tfjsAdapter } from '../src/index.ts';
import type { TfjsFeatureExtractor } from '../src/index.ts';

import { digitPaths, pixelTensor, syntheticPng, useWasmBackend } from './helpers.ts';

let fx: FixtureSet;
let pictures: Buffer[];
const options = { modelId: 'test', workDir: '/unused' };

beforeAll(async () => {
  fx = await ensureFixtures();
  await useWasmBackend();
  pictures = await Promise.all([
    syntheticPng(224, 224, 1),
    syntheticPng(320, 240, 2),
    syntheticPng(224, 224, 3),
  ]);
});

/** nsfwjs's own classify on the same pixels, as probabilities by class index. */
async function nsfwjsScores(model: nsfwjs.NSFWJS, input: string | Buffer): Promise<number[]> {
  const x = await pixelTensor(input);
  try {
    const top = await model.classify(x, 5);
    const names = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
    return names.map((n) => top.find((t) => t.className === n)?.probability ?? NaN);
  } finally {
    x.dispose();
  }
}

function byIndex(prediction: { top: ReadonlyArray<{ index: number; score: number }> }): number[] {
  return [0, 1, 2, 3, 4].map((i) => prediction.top.find((t) => t.index === i)?.score ?? NaN);
}

/** Each input's predicted class scores match nsfwjs's own classify to 4 decimals. */
async function expectNsfwjsScores(
  model: nsfwjs.NSFWJS,
  inputs: ReadonlyArray<string | Buffer>,
  ours: ReadonlyArray<{ top: ReadonlyArray<{ index: number; score: number }> }>,
): Promise<void> {
  for (const [i, input] of inputs.entries()) {
    const theirs = await nsfwjsScores(model, input);
    const mine = byIndex(ours[i] ?? { top: [] });
    for (const [k, p] of theirs.entries()) {
      expect(mine[k]).toBeCloseTo(p, 4);
    }
  }
}

describe('tfjsAdapter on nsfwjs MobileNetV2 (layers model)', () => {
  let extractor: TfjsFeatureExtractor;
  afterAll(async () => {
    await extractor.dispose();
  });

  it('detects the folder and inspects inputs, output, tap and preprocessing', async () => {
    const dir = fx.models['mobilenet-v2'].dir;
    expect(await tfjsAdapter.detect(dir)).toBe(true);
    expect(await tfjsAdapter.detect(fx.models['ppocr-rec'].dir)).toBe(false);
    const inspection = await tfjsAdapter.inspect(dir, options);
    expect(inspection.format).toBe('tfjs-layers');
    expect(inspection.inputs).toEqual([{ name: 'input_1', shape: [-1, 224, 224, 3], dtype: 'float32' }]);
    expect(inspection.outputs).toEqual([{ name: 'dense_3', shape: [-1, 5], dtype: 'float32' }]);
    expect(inspection.chosen).toMatchObject({ tensor: 'flatten_1', dim: 1280, pooling: 'none' });
    expect(inspection.candidates.map((c) => c.tensor)).toContain('average_pooling2d_1');
    expect(inspection.preprocess).toMatchObject({
      source: 'preset:mobilenet-tfjs',
      rescale: { scale: 1 / 255, offset: 0 },
      layout: 'NHWC',
    });
  });

  it('embeds 1280-d features deterministically, in order, on two workers, keeping good inputs when one fails', async () => {
    extractor = await loadTfjsFeatureExtractor(fx.models['mobilenet-v2'].dir, { ...options, batchSize: 2 });
    expect(extractor.workers).toBe(2);
    expect(extractor.dim).toBe(1280);
    expect(extractor.tap).toEqual({
      tensor: 'flatten_1',
      runtime: 'tfjs-layers',
      pooling: 'none',
      dim: 1280,
    });
    const [a, b, c] = pictures as [Buffer, Buffer, Buffer];
    const first = await extractor.embed([a, b, new Uint8Array([0x89, 0x50, 0x4e, 0x47]), c, a]);
    expect(first.failures.map((f) => [f.index, f.error.code])).toEqual([[2, 'INVALID_INPUT']]);
    expect(first.vectors.map((v) => v?.length)).toEqual([1280, 1280, undefined, 1280, 1280]);
    // Same image in another batch (and likely another worker): identical vector.
    expect(Array.from(first.vectors[4] ?? [])).toEqual(Array.from(first.vectors[0] ?? []));
    const again = await extractor.embed([c, b]);
    expect(Array.from(again.vectors[0] ?? [])).toEqual(Array.from(first.vectors[3] ?? []));
    expect(Array.from(again.vectors[1] ?? [])).toEqual(Array.from(first.vectors[1] ?? []));
    // Different pictures give different features.
    expect(Array.from(first.vectors[0] ?? [])).not.toEqual(Array.from(first.vectors[1] ?? []));
  });

  it('keeps the number of live tensors in each worker constant across batches', async () => {
    const before = await extractor.workerMemory();
    const many = Array.from({ length: 12 }, (_, i) => pictures[i % 3] as Buffer);
    await extractor.embed(many);
    await extractor.embed(many);
    const after = await extractor.workerMemory();
    expect(after).toEqual(before);
  });

  it('predicts like nsfwjs classify on the same images', async () => {
    const model = await nsfwjs.load('MobileNetV2');
    try {
      const digits = await digitPaths(fx.digits.test, '7', 2);
      const inputs = [...pictures, ...digits];
      const ours = await tfjsAdapter.predictOriginal(fx.models['mobilenet-v2'].dir, inputs, {
        ...options,
        topK: 5,
      });
      // 224² inputs skip resizing on both sides: same arithmetic. Others are resized before
      // (ours) vs after (nsfwjs) the /255, which only changes rounding.
      await expectNsfwjsScores(model, inputs, ours);
    } finally {
      model.dispose();
    }
    expect(tf.getBackend()).toBe('wasm');
  });
});

describe('tfjsAdapter on nsfwjs MobileNetV2-mid (graph model)', () => {
  it('taps the SpatialSqueeze node (1792-d: a width-1.4 MobileNetV2) and predicts like nsfwjs', async () => {
    const dir = fx.models['mobilenet-v2-mid'].dir;
    const inspection = await tfjsAdapter.inspect(dir, options);
    expect(inspection.format).toBe('tfjs-graph');
    expect(inspection.inputs[0]?.shape).toEqual([-1, 224, 224, 3]);
    expect(inspection.chosen?.tensor).toMatch(/\/feature_vector\/SpatialSqueeze$/);
    expect(inspection.chosen?.dim).toBe(1792);

    const extractor = await loadTfjsFeatureExtractor(dir, { ...options, workers: 1 });
    try {
      expect(extractor.tap.runtime).toBe('tfjs-graph');
      expect(extractor.dim).toBe(1792);
      const one = await extractor.embed(pictures);
      const two = await extractor.embed(pictures);
      expect(one.vectors.map((v) => v?.length)).toEqual([1792, 1792, 1792]);
      expect(two.vectors.map((v) => Array.from(v ?? []))).toEqual(
        one.vectors.map((v) => Array.from(v ?? [])),
      );
    } finally {
      await extractor.dispose();
    }

    const model = await nsfwjs.load('MobileNetV2Mid');
    try {
      const ours = await tfjsAdapter.predictOriginal(dir, pictures, { ...options, topK: 5 });
      await expectNsfwjsScores(model, pictures, ours);
    } finally {
      model.dispose();
    }
  });

  it('refuses an unknown --layer with the candidates in the hint', async () => {
    await expect(
      tfjsAdapter.loadFeatureExtractor(fx.models['mobilenet-v2'].dir, { ...options, layer: 'no_such_layer' }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      hint: expect.stringContaining('flatten_1') as unknown,
    });
  });

  it('taps a named earlier layer and average-pools it', async () => {
    const extractor = await loadTfjsFeatureExtractor(fx.models['mobilenet-v2'].dir, {
      ...options,
      layer: 'block_16_project_BN',
      workers: 1,
    });
    try {
      expect(extractor.tap).toEqual({
        tensor: 'block_16_project_BN',
        runtime: 'tfjs-layers',
        pooling: 'mean',
        dim: 320,
      });
      const result = await extractor.embed([pictures[0] as Buffer]);
      expect(result.vectors[0]?.length).toBe(320);
    } finally {
      await extractor.dispose();
    }
  });
});
