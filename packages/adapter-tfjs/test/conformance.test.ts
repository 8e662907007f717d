import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, it } from 'vitest';

import { ensureFixtures, featureExtractorConformance } from '@modelhub/testing';

import { loadTfjsFeatureExtractor } from '../src/index.ts';
import { syntheticPng } from './helpers.ts';

const dir = await mkdtemp(join(tmpdir(), 'tfjs-conformance-'));
const images = [1, 2, 3].map((seed) => join(dir, `picture-${seed}.png`));

beforeAll(async () => {
  await Promise.all(
    images.map(async (path, i) => writeFile(path, await syntheticPng(200 + 40 * i, 224, i + 1))),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('TF.js feature extractor conformance (MobileNetV2 layers model, two workers)', () => {
  featureExtractorConformance(
    it,
    async () => {
      const fx = await ensureFixtures();
      return loadTfjsFeatureExtractor(fx.models['mobilenet-v2'].dir, {
        modelId: 'modelhub/mobilenet-v2',
        workDir: dir,
        batchSize: 4,
      });
    },
    { images, dim: 1280, tensor: 'flatten_1', afterAll },
  );
});
