import { ModelhubError } from '@modelhub/core';

import type { Dataset, DatasetItem } from '../dataset/dataset.ts';

/** The items the backbone could embed, their vectors, the labels they still cover and their targets. */
export interface UsableRows<V> {
  readonly items: DatasetItem[];
  readonly vectors: V[];
  readonly labels: string[];
  readonly targets: number[];
}

/**
 * Keeps the items whose embedding succeeded (`vectors[i]` undefined marks a skipped input) and
 * indexes their labels in the dataset's order; refuses a dataset left with fewer than 2 classes.
 */
export function usableRows<V>(
  dataset: Dataset,
  candidates: readonly DatasetItem[],
  vectors: readonly (V | undefined)[],
): UsableRows<V> {
  const items: DatasetItem[] = [];
  const kept: V[] = [];
  candidates.forEach((item, i) => {
    const v = vectors[i];
    if (v !== undefined) {
      items.push(item);
      kept.push(v);
    }
  });
  const labels = dataset.labels.filter((l) => items.some((i) => i.label === l));
  if (labels.length < 2) {
    throw new ModelhubError('INVALID_DATASET', 'fewer than 2 classes have usable examples', {
      hint: 'Check the examples the backbone could not read (--skip-bad lists them).',
    });
  }
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  return { items, vectors: kept, labels, targets: items.map((i) => labelIndex.get(i.label) ?? 0) };
}
