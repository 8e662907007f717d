import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadLayersModelFromDir, loadTfjsFeatureExtractor, tfjsAdapter } from '../src/index.ts';

let dir: string;
const options = { modelId: 'test/small', workDir: '/unused' };

/** Saves a small conv → global-pool → Dense → Dense model as model.json + one shard. */
async function saveSmallModel(target: string): Promise<void> {
  const input = tf.input({ shape: [16, 16, 3], name: 'image' });
  const conv = tf.layers.conv2d({ filters: 6, kernelSize: 3, activation: 'relu', name: 'conv' }).apply(input);
  const pooled = tf.layers.globalAveragePooling2d({ name: 'pool' }).apply(conv);
  const hidden = tf.layers.dense({ units: 4, activation: 'relu', name: 'fc1' }).apply(pooled);
  const out = tf.layers
    .dense({ units: 3, activation: 'softmax', name: 'fc2' })
    .apply(hidden) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const weights = new Uint8Array(artifacts.weightData as ArrayBuffer);
      await writeFile(join(target, 'shard.bin'), weights);
      const json = {
        format: 'layers-model',
        modelTopology: artifacts.modelTopology,
        weightsManifest: [{ paths: ['shard.bin'], weights: artifacts.weightSpecs }],
      };
      await writeFile(join(target, 'model.json'), JSON.stringify(json));
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  model.dispose();
  await writeFile(join(target, 'modelhub.json'), JSON.stringify({ labels: ['a', 'b', 'c'] }));
}

beforeAll(async () => {
  await tf.setBackend('cpu');
  dir = await mkdtemp(join(tmpdir(), 'tfjs-small-'));
  await saveSmallModel(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a TF.js layers model saved to a folder', () => {
  it('loads from local files and taps the global pool before the first Dense', async () => {
    const reloaded = await loadLayersModelFromDir(dir);
    expect(reloaded.layers.map((l) => l.name)).toEqual(['image', 'conv', 'pool', 'fc1', 'fc2']);
    reloaded.dispose();

    const inspection = await tfjsAdapter.inspect(dir, options);
    expect(inspection.chosen).toMatchObject({ tensor: 'pool', dim: 6, pooling: 'none' });
    expect(inspection.outputs[0]).toMatchObject({ name: 'fc2', shape: [-1, 3] });
    // No config and no family: a guessed spec, with a warning saying so.
    expect(inspection.preprocess).toMatchObject({
      resize: { mode: 'exact', height: 16, width: 16 },
      layout: 'NHWC',
    });
    expect(inspection.warnings.join('\n')).toMatch(/guessing from the input shape/);

    const extractor = await loadTfjsFeatureExtractor(dir, { ...options, workers: 1 });
    try {
      expect(extractor.tap).toEqual({ tensor: 'pool', runtime: 'tfjs-layers', pooling: 'none', dim: 6 });
      const png = await sharp({ create: { width: 40, height: 30, channels: 3, background: '#808000' } })
        .png()
        .toBuffer();
      const result = await extractor.embed([png]);
      expect(result.vectors[0]?.length).toBe(6);
    } finally {
      await extractor.dispose();
    }
  });

  it('labels original predictions from modelhub.json and reports an unreadable input per item', async () => {
    const png = await sharp({ create: { width: 16, height: 16, channels: 3, background: '#ff0000' } })
      .png()
      .toBuffer();
    const predictions = await tfjsAdapter.predictOriginal(dir, [png, new Uint8Array([1, 2, 3])], {
      ...options,
      topK: 3,
    });
    expect(predictions[0]?.top.map((t) => t.label).sort()).toEqual(['a', 'b', 'c']);
    expect(predictions[0]?.top.reduce((s, t) => s + t.score, 0)).toBeCloseTo(1, 5);
    expect(predictions[1]).toMatchObject({ top: [], error: { code: 'INVALID_INPUT' } });
  });

  it('fails clearly on a truncated weight shard and a missing model', async () => {
    const broken = await mkdtemp(join(tmpdir(), 'tfjs-broken-'));
    try {
      await writeFile(join(broken, 'model.json'), await readFile(join(dir, 'model.json')));
      await writeFile(join(broken, 'shard.bin'), (await readFile(join(dir, 'shard.bin'))).subarray(0, 20));
      const error: unknown = await loadTfjsFeatureExtractor(broken, options).catch((e: unknown) => e);
      expect(error).toMatchObject({
        code: 'INVALID_MANIFEST',
        message: expect.stringMatching(/truncated/) as unknown,
      });
      expect((error as Error).message).toContain(broken);

      expect(await tfjsAdapter.detect(join(broken, 'nowhere'))).toBe(false);
      await expect(tfjsAdapter.inspect(join(broken, 'nowhere'), options)).rejects.toMatchObject({
        code: 'ENTRY_NOT_FOUND',
      });
    } finally {
      await rm(broken, { recursive: true, force: true });
    }
  });
});
