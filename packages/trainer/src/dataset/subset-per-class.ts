import { ModelhubError } from '@modelhub/core';

import { SeededRandom } from '../random/seeded-random.ts';
import type { Dataset, DatasetItem } from './dataset.ts';
import { datasetManifestHash } from './dataset-manifest-hash.ts';

/**
 * Draws `n` items per class with a fixed seed (the few-shot experiments: "5 images per class"),
 * as a dataset of its own with its own manifest hash.
 */
export function subsetPerClass(dataset: Dataset, n: number, seed: number): Dataset {
  const rng = new SeededRandom(seed);
  const items: DatasetItem[] = [];
  for (const label of dataset.labels) {
    const pool = dataset.items.filter((i) => i.label === label);
    if (pool.length < n) {
      throw new ModelhubError(
        'INVALID_DATASET',
        `class "${label}" has ${pool.length} items, fewer than ${n}`,
      );
    }
    items.push(...rng.shuffle([...pool]).slice(0, n));
  }
  const order = new Map(dataset.items.map((item, i) => [item, i]));
  items.sort((a, b) => (order.get(a) ?? 0) - (order.get(b) ?? 0));
  const perClass = Object.fromEntries(dataset.labels.map((l) => [l, n]));
  return { ...dataset, items, perClass, manifestSha256: datasetManifestHash(items), skipped: [] };
}
