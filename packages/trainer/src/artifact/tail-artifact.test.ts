import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { FeatureExtractor } from '@modelhub/core';

import { fineTuneTail, runTail } from '../fine-tune/fine-tune-tail.ts';
import { buildTail, planTail } from '../fine-tune/tfjs-tail.ts';
import { useTrainingBackend } from '../fine-tune/wasm-training-backend.ts';
import { argmaxRows, forwardLayers } from '../fit/dense-layer.ts';
import { trainHead } from '../fit/train-head.ts';
import { classificationMetrics } from '../metrics/classification-metrics.ts';
import { loadHeadClassifier } from '../predict/head-classifier.ts';
import { SeededRandom } from '../random/seeded-random.ts';
import { readHeadArtifact } from './read-head-artifact.ts';
import { writeHeadArtifact } from './write-head-artifact.ts';
import { seededConv1x1 } from '../../test/helpers/seeded-layers.ts';

let dir: string;
beforeAll(async () => {
  await useTrainingBackend();
  dir = await mkdtemp(join(tmpdir(), 'trainer-tail-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('a fine-tuned head artifact', () => {
  it('ships the tail as a TF.js layers model and predicts through it after a round trip', async () => {
    const input = tf.input({ shape: [2, 2, 3], name: 'image' });
    let x = seededConv1x1(4, 'c1', 1).apply(input) as tf.SymbolicTensor;
    x = seededConv1x1(5, 'c2', 2).apply(x) as tf.SymbolicTensor;
    x = tf.layers.batchNormalization({ name: 'bn2' }).apply(x) as tf.SymbolicTensor;
    x = tf.layers.globalAveragePooling2d({ name: 'gap' }).apply(x) as tf.SymbolicTensor;
    const model = tf.model({
      inputs: input,
      outputs: tf.layers.dense({ units: 2 }).apply(x) as tf.SymbolicTensor,
    });
    const plan = planTail(model, 'gap', { mode: 'last', layers: 1 });
    const tail = buildTail(model, plan);
    const rng = new SeededRandom(4);
    const rows = 24;
    const features = new Float32Array(rows * 16).map(
      (_, i) => rng.normal() + (Math.floor(i / 16) % 2) * (i % 4 === 0 ? 1.5 : 0),
    );
    const targets = new Int32Array(rows).map((_, i) => i % 2);
    const set = { features, targets, rows };
    const tap = { ...set, features: runTail(tail, features, rows) };
    const warm = trainHead(tap, tap, 5, 2, { seed: 1 });
    const ft = await fineTuneTail({
      tail,
      train: set,
      validation: set,
      head: warm,
      numClasses: 2,
      seed: 1,
      maxEpochs: 3,
      learningRate: 0.01,
    });
    const expected = forwardLayers(ft.head, runTail(tail, features, rows), rows);
    const validation = classificationMetrics(targets, argmaxRows(expected.logits, rows, 2), ['a', 'b']);
    const outDir = join(dir, 'head');
    const extractor: FeatureExtractor = {
      modelId: 'test/tiny@0',
      dim: 16,
      tap: { tensor: 'c1', runtime: 'tfjs-layers', pooling: 'flatten', dim: 16 },
      preprocess: {
        source: 'test',
        decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
        resize: { mode: 'exact', height: 2, width: 2, resample: 'bilinear', antialias: true },
        crop: { mode: 'none', height: 2, width: 2 },
        pad: null,
        rescale: { scale: 1 / 255, offset: 0 },
        normalize: null,
        layout: 'NHWC',
        dtype: 'float32',
      },
      embed: () => Promise.resolve({ vectors: [], failures: [] }),
      dispose: () => Promise.resolve(),
    };
    const manifest = await writeHeadArtifact({
      outDir,
      head: { type: 'linear', hidden: [], recipe: { seed: 1 }, layers: ft.head },
      tail: { model: tail, plan },
      labels: ['a', 'b'],
      base: {
        endpoint: 'http://127.0.0.1:9/',
        repo: 'test/tiny',
        commit: '0'.repeat(40),
        files: [{ path: 'model.json', size: 1, sha256: 'a'.repeat(64) }],
      },
      feature: extractor.tap,
      preprocessing: extractor.preprocess,
      dataset: { manifestSha256: 'b'.repeat(64), perClass: { a: 12, b: 12 } },
      validation,
      createdBy: 'test',
    });
    expect(manifest.tail).toMatchObject({
      format: 'tfjs-layers',
      inputShape: [2, 2, 4],
      outputDim: 5,
      trainedLayers: ['c2'],
    });
    const artifact = await readHeadArtifact(outDir);
    expect(artifact.layers[0]?.inDim).toBe(5);
    const clf = await loadHeadClassifier(outDir, extractor);
    const out = await clf.scoreFeatures(features, rows);
    for (let i = 0; i < out.probs.length; i++) {
      expect(out.probs[i]).toBeCloseTo(expected.probs[i] ?? Number.NaN, 5);
    }
    expect(() => clf.predictFeatures(features, rows)).toThrow(/fine-tuned tail/);
  });
});
