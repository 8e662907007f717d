import * as nsfwjs from 'nsfwjs';
import { beforeAll, describe, expect, it } from 'vitest';

import { ensureFixtures } from '@modelhub/testing';
import type { FixtureSet } from '@modelhub/testing';

import { loadTfjsFeatureExtractor, tfjsAdapter } from '../src/index.ts';
import { pixelTensor, syntheticPng, useWasmBackend } from './helpers.ts';

let fx: FixtureSet;
let pictures: Buffer[];
const options = { modelId: 'modelhub/inception-v3', workDir: '/unused' };

beforeAll(async () => {
  fx = await ensureFixtures();
  await useWasmBackend();
  pictures = await Promise.all([syntheticPng(299, 299, 5), syntheticPng(360, 270, 6)]);
});

describe('tfjsAdapter on nsfwjs InceptionV3 (layers model, 299²)', () => {
  it('embeds 2048-d features at flatten_1, deterministically', async () => {
    const extractor = await loadTfjsFeatureExtractor(fx.models['inception-v3'].dir, options);
    try {
      expect(extractor.tap).toEqual({
        tensor: 'flatten_1',
        runtime: 'tfjs-layers',
        pooling: 'none',
        dim: 2048,
      });
      expect(extractor.preprocess).toMatchObject({
        source: 'preset:inception-tfjs',
        resize: { height: 299, width: 299 },
      });
      const one = await extractor.embed(pictures);
      const two = await extractor.embed([...pictures].reverse());
      expect(one.vectors.map((v) => v?.length)).toEqual([2048, 2048]);
      expect(Array.from(two.vectors[1] ?? [])).toEqual(Array.from(one.vectors[0] ?? []));
      expect(Array.from(two.vectors[0] ?? [])).toEqual(Array.from(one.vectors[1] ?? []));
    } finally {
      await extractor.dispose();
    }
  });

  it('predicts like nsfwjs classify on the same images', async () => {
    const model = await nsfwjs.load('InceptionV3', { size: 299 });
    try {
      const ours = await tfjsAdapter.predictOriginal(fx.models['inception-v3'].dir, pictures, {
        ...options,
        topK: 5,
      });
      const names = ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'];
      for (const [i, input] of pictures.entries()) {
        const x = await pixelTensor(input);
        const theirs = await model.classify(x, 5);
        x.dispose();
        for (const t of theirs) {
          const mine = ours[i]?.top.find((p) => p.index === names.indexOf(t.className));
          expect(mine?.score).toBeCloseTo(t.probability, 4);
        }
      }
    } finally {
      model.dispose();
    }
  });
});
