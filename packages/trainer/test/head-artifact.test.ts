import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureFixtures } from '@modelhub/testing';

import { FeatureCache } from '../src/cache/feature-cache.ts';
import { readHeadArtifact } from '../src/artifact/read-head-artifact.ts';
import { writeHeadArtifact } from '../src/artifact/write-head-artifact.ts';
import { scanDataset } from '../src/dataset/scan-dataset.ts';
import { subsetPerClass } from '../src/dataset/subset-per-class.ts';
import { rawPixelExtractor } from '../src/features/raw-pixel-extractor.ts';
import { argmaxRows, forwardLayers } from '../src/fit/dense-layer.ts';
import { trainOnDataset, type TrainOnDatasetResult } from '../src/pipeline/train-on-dataset.ts';
import { evaluateHead } from '../src/predict/evaluate-head.ts';
import { loadHeadClassifier } from '../src/predict/head-classifier.ts';
import type { Dataset } from '../src/dataset/dataset.ts';

const base = {
  endpoint: 'http://127.0.0.1:9/',
  repo: 'test/pixels',
  commit: '0123456789abcdef0123456789abcdef01234567',
  files: [
    { path: 'none.bin', size: 0, sha256: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855' },
  ],
};

let work: string;
let cache: FeatureCache;
let train: Dataset;
let test: Dataset;
const extractor = rawPixelExtractor(28);

beforeAll(async () => {
  const fx = await ensureFixtures();
  work = await mkdtemp(join(tmpdir(), 'trainer-head-'));
  cache = new FeatureCache(join(work, 'features.sqlite'));
  train = subsetPerClass(await scanDataset(fx.digits.train), 12, 1);
  test = subsetPerClass(await scanDataset(fx.digits.test), 30, 1);
});
afterAll(async () => {
  cache.close();
  await rm(work, { recursive: true, force: true });
});

async function runOnnx(
  dir: string,
  file: string,
  features: Float32Array,
  rows: number,
  dim: number,
): Promise<{ logits: Float32Array; probs: Float32Array }> {
  const session = await ort.InferenceSession.create(join(dir, file));
  try {
    const out = await session.run({ features: new ort.Tensor('float32', features, [rows, dim]) });
    return { logits: out['logits']?.data as Float32Array, probs: out['probs']?.data as Float32Array };
  } finally {
    await session.release();
  }
}

describe('the feature cache', () => {
  it('embeds only what is new: other hyper-parameters embed nothing, more files embed the extra ones', async () => {
    const own = new FeatureCache(join(work, 'own-cache.sqlite'));
    try {
      const first = await trainOnDataset(train, extractor, { seed: 8, cache: own });
      expect(first.embedding.fromCache).toBe(0);
      expect(first.embedding.embedded).toBe(train.items.length);
      const again = await trainOnDataset(train, extractor, { seed: 9, head: 'mlp', cache: own, l2: 0.5 });
      expect(again.embedding).toMatchObject({ fromCache: train.items.length, embedded: 0 });
      const more = subsetPerClass(await scanDataset(train.source), 20, 2);
      const known = new Set(train.items.map((i) => i.sha256));
      const fresh = new Set(more.items.filter((i) => !known.has(i.sha256)).map((i) => i.sha256));
      const third = await trainOnDataset(more, extractor, { seed: 8, cache: own });
      expect(fresh.size).toBeGreaterThan(0);
      expect(third.embedding.embedded).toBe(fresh.size);
      expect(third.embedding.fromCache).toBe(more.items.length - fresh.size);
      // Cached vectors are the extractor's vectors, bit for bit.
      const direct = await extractor.embed([train.items[0]?.path ?? '']);
      expect(Array.from(own.get(first.embedding.namespace, train.items[0]?.sha256 ?? '') ?? [])).toEqual(
        Array.from(direct.vectors[0] ?? []),
      );
    } finally {
      own.close();
    }
  });
});

describe.each(['linear', 'mlp'] as const)('a %s head on raw digit pixels', (headType) => {
  let run: TrainOnDatasetResult;
  let outDir: string;

  beforeAll(async () => {
    run = await trainOnDataset(train, extractor, {
      seed: 7,
      head: headType,
      cache,
      validationFraction: 0.25,
    });
    outDir = join(work, `head-${headType}`);
    await writeHeadArtifact({
      outDir,
      head: run.head,
      labels: run.labels,
      base,
      feature: extractor.tap,
      preprocessing: extractor.preprocess,
      dataset: { manifestSha256: run.manifestSha256, perClass: run.perClass },
      training: { split: { validationFraction: 0.25, seed: run.split.seed } },
      validation: run.validation,
      createdBy: 'trainer test',
    });
  });

  it('writes a valid manifest, a model card and a confusion picture', async () => {
    const artifact = await readHeadArtifact(outDir);
    expect(artifact.manifest.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(artifact.manifest.head.type).toBe(headType);
    expect(artifact.layers.map((l) => l.activation)).toEqual(
      headType === 'mlp' ? ['relu', 'none'] : ['none'],
    );
    expect(artifact.manifest.training).toMatchObject({ seed: 7, split: { seed: 7 } });
    expect(artifact.manifest.dataset.manifestSha256).toBe(train.manifestSha256);
    const card = await readFile(join(outDir, 'README.md'), 'utf8');
    expect(card).toMatch(/^---\nbase_model: "test\/pixels"\nlibrary_name: onnx\n/);
    expect(card).toMatch(/- type: accuracy\n\s+value: [0-9.]+/);
    expect(await readFile(join(outDir, 'confusion-matrix.svg'), 'utf8')).toMatch(/^<svg/);
  });

  it('head.onnx in onnxruntime reproduces the trainer predictions on the cached features', async () => {
    const n = test.items.length;
    const feats = new Float32Array(n * extractor.dim);
    const result = await extractor.embed(test.items.map((i) => i.path));
    result.vectors.forEach((v, i) => feats.set(v ?? new Float32Array(extractor.dim), i * extractor.dim));
    const ours = forwardLayers(run.head.layers, feats, n);
    const onnx = await runOnnx(outDir, 'head.onnx', feats, n, extractor.dim);
    expect(Array.from(argmaxRows(onnx.logits, n, 10))).toEqual(Array.from(argmaxRows(ours.logits, n, 10)));
    for (let i = 0; i < ours.probs.length; i++) {
      expect(Math.abs((onnx.probs[i] ?? 0) - (ours.probs[i] ?? 0))).toBeLessThan(1e-5);
    }
  });

  it('loadHeadClassifier predicts files and evaluateHead scores a held-out set near the pixel baseline', async () => {
    const clf = await loadHeadClassifier(outDir, extractor);
    const preds = await clf.predict(
      test.items.slice(0, 3).map((i) => i.path),
      { topK: 3 },
    );
    expect(preds).toHaveLength(3);
    for (const p of preds) {
      expect(p.top).toHaveLength(3);
      expect(p.top[0]?.score ?? 0).toBeGreaterThanOrEqual(p.top[1]?.score ?? 1);
    }
    const evaluation = await evaluateHead(clf, extractor, test, { cache });
    expect(evaluation.metrics.count).toBe(300);
    // Raw pixels with ~9 images per class: well above chance (10%), well below a good backbone.
    expect(evaluation.metrics.accuracy).toBeGreaterThan(0.55);
    expect(evaluation.metrics.accuracy).toBeLessThan(0.9);
  });

  it('refuses a changed head.onnx and an extractor with other features', async () => {
    const copy = join(work, `tampered-${headType}`);
    await cp(outDir, copy, { recursive: true });
    const onnxBytes = await readFile(join(copy, 'head.onnx'));
    onnxBytes[onnxBytes.length - 10] = (onnxBytes[onnxBytes.length - 10] ?? 0) ^ 0xff;
    await writeFile(join(copy, 'head.onnx'), onnxBytes);
    await expect(readHeadArtifact(copy)).rejects.toThrow(/does not match modelhub.json/);
    await expect(loadHeadClassifier(outDir, rawPixelExtractor(14))).rejects.toThrow(
      /does not produce the features/,
    );
  });
});
