// The seed's claim on real data: a text-recognition backbone (PaddleOCR PP-OCRv4 rec, ONNX) cut
// below its output layer transfers to handwritten digits with a handful of examples per class,
// while the same head on raw pixels stays far below.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { loadFeatureExtractor } from '@modelhub/adapter-onnx';
import type { FeatureExtractor } from '@modelhub/core';
import { ensureFixtures } from '@modelhub/testing';

import { readHeadArtifact } from '../src/artifact/read-head-artifact.ts';
import { writeHeadArtifact } from '../src/artifact/write-head-artifact.ts';
import { FeatureCache } from '../src/cache/feature-cache.ts';
import { embedItems } from '../src/cache/embed-items.ts';
import type { Dataset } from '../src/dataset/dataset.ts';
import { scanDataset } from '../src/dataset/scan-dataset.ts';
import { subsetPerClass } from '../src/dataset/subset-per-class.ts';
import { rawPixelExtractor } from '../src/features/raw-pixel-extractor.ts';
import { argmaxRows, forwardLayers } from '../src/fit/dense-layer.ts';
import { trainHead, type LabelledFeatures } from '../src/fit/train-head.ts';
import { scoreHead, stackFeatures } from '../src/pipeline/train-on-dataset.ts';

/** Draws per N; the reference figures are means over draws too. */
const SEEDS = [1, 2, 3];

let work: string;
let cache: FeatureCache;
let rec: FeatureExtractor;
const pixels = rawPixelExtractor(28);
let pool: Dataset;
let test: Dataset;

async function features(
  ds: Dataset,
  extractor: FeatureExtractor,
  labels: readonly string[],
): Promise<LabelledFeatures> {
  const { vectors } = await embedItems(ds.items, extractor, { cache, batchSize: 32 });
  const index = new Map(labels.map((l, i) => [l, i]));
  return stackFeatures(
    vectors.map((v) => v ?? new Float32Array(extractor.dim)),
    ds.items.map((i) => index.get(i.label) ?? -1),
    ds.items.map((_, i) => i),
    extractor.dim,
  );
}

/** Mean held-out accuracy of the default softmax head fitted on N images per class. */
async function meanAccuracy(
  extractor: FeatureExtractor,
  n: number,
): Promise<{ mean: number; draws: number[] }> {
  const labels = test.labels;
  const testSet = await features(test, extractor, labels);
  const draws: number[] = [];
  for (const seed of SEEDS) {
    const train = await features(subsetPerClass(pool, n, seed), extractor, labels);
    const head = trainHead(train, undefined, extractor.dim, labels.length, { seed });
    draws.push(scoreHead(head, testSet, labels).accuracy);
  }
  return { mean: draws.reduce((a, b) => a + b, 0) / draws.length, draws };
}

beforeAll(async () => {
  const fx = await ensureFixtures();
  work = await mkdtemp(join(tmpdir(), 'trainer-transfer-'));
  cache = new FeatureCache(join(work, 'features.sqlite'));
  rec = await loadFeatureExtractor(fx.models['ppocr-rec'].dir, {
    modelId: 'fixtures/ppocr-rec',
    workDir: work,
  });
  pool = await scanDataset(fx.digits.train);
  test = await scanDataset(fx.digits.test);
});
afterAll(async () => {
  cache.close();
  await rec.dispose();
  await rm(work, { recursive: true, force: true });
});

describe('transfer learning on the mnist digits (1000 held-out digits)', () => {
  it.each([
    { n: 5, recAtLeast: 0.9 },
    { n: 10, recAtLeast: 0.93 },
  ])(
    '$n images per class: PaddleOCR rec features ≥ $recAtLeast, raw pixels far below',
    async ({ n, recAtLeast }) => {
      expect(test.items).toHaveLength(1000);
      const withRec = await meanAccuracy(rec, n);
      const withPixels = await meanAccuracy(pixels, n);
      const fmt = (r: { mean: number; draws: number[] }): string =>
        `${(100 * r.mean).toFixed(1)}% (draws ${r.draws.map((d) => (100 * d).toFixed(1)).join(', ')})`;
      console.log(
        `N=${n}/class: ${rec.modelId} ${rec.tap.tensor} ${rec.dim}-d → ${fmt(withRec)}; raw pixels → ${fmt(withPixels)}`,
      );
      expect(rec.dim).toBe(120);
      expect(withRec.mean).toBeGreaterThanOrEqual(recAtLeast);
      // "Far below": at least 15 points under the backbone's features.
      expect(withPixels.mean).toBeLessThan(withRec.mean - 0.15);
    },
  );

  it('head.onnx of a real-feature head reproduces the trainer predictions in onnxruntime', async () => {
    const labels = test.labels;
    const subset = subsetPerClass(pool, 10, 1);
    const train = await features(subset, rec, labels);
    const testSet = await features(test, rec, labels);
    const head = trainHead(train, undefined, rec.dim, labels.length, { seed: 1, head: 'mlp', hidden: [64] });
    const ours = scoreHead(head, testSet, labels);
    const outDir = join(work, 'rec-head');
    await writeHeadArtifact({
      outDir,
      head,
      labels,
      base: {
        endpoint: 'http://127.0.0.1:9/',
        repo: 'fixtures/ppocr-rec',
        commit: '0123456789abcdef0123456789abcdef01234567',
        files: [{ path: 'model.onnx', size: 1, sha256: 'f'.repeat(64) }],
      },
      feature: rec.tap,
      preprocessing: rec.preprocess,
      dataset: { manifestSha256: subset.manifestSha256, perClass: subset.perClass },
      validation: ours,
      createdBy: 'trainer slow test',
    });
    const artifact = await readHeadArtifact(outDir);
    const session = await ort.InferenceSession.create(join(outDir, artifact.manifest.head.file));
    try {
      const out = await session.run({
        features: new ort.Tensor('float32', testSet.features, [testSet.rows, rec.dim]),
      });
      const logits = out['logits']?.data as Float32Array;
      const probs = out['probs']?.data as Float32Array;
      const js = forwardLayers(head.layers, testSet.features, testSet.rows);
      expect(Array.from(argmaxRows(logits, testSet.rows, labels.length))).toEqual(
        Array.from(argmaxRows(js.logits, testSet.rows, labels.length)),
      );
      let worst = 0;
      for (let i = 0; i < probs.length; i++) {
        worst = Math.max(worst, Math.abs((probs[i] ?? 0) - (js.probs[i] ?? 0)));
      }
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });
});
