import type { FeatureExtractor } from '@modelhub/core';

import { embedItems } from '../cache/embed-items.ts';
import type { FeatureCache } from '../cache/feature-cache.ts';
import type { Dataset } from '../dataset/dataset.ts';
import { subsetPerClass } from '../dataset/subset-per-class.ts';
import { trainHead, type TrainHeadOptions } from '../fit/train-head.ts';
import { scoreHead, stackFeatures } from './train-on-dataset.ts';

/** One seeded draw of a few-shot experiment. */
export interface FewShotDraw {
  readonly seed: number;
  readonly accuracy: number;
  readonly train: number;
  readonly test: number;
}

/** Options of {@link fewShotDraws}. */
export interface FewShotOptions {
  readonly perClass: number;
  readonly seeds: readonly number[];
  /**
   * The features to train on for one draw: a frozen backbone (the same for every draw) or a
   * baseline fitted on the draw's training items (TF-IDF's vocabulary).
   */
  readonly extractorFor: (train: Dataset) => Promise<FeatureExtractor>;
  /** Caches vectors across draws (an in-memory cache embeds each item once). */
  readonly cache?: FeatureCache;
  readonly head?: Omit<TrainHeadOptions, 'seed'>;
}

/**
 * The few-shot claim as an experiment: for each seed, `perClass` items per class are drawn from the
 * pool to train a head on (all of them: no validation split), and every other item of the pool is
 * the test set. Returns each draw's test accuracy.
 */
export async function fewShotDraws(pool: Dataset, options: FewShotOptions): Promise<FewShotDraw[]> {
  const draws: FewShotDraw[] = [];
  const labelIndex = new Map(pool.labels.map((l, i) => [l, i]));
  for (const seed of options.seeds) {
    const train = subsetPerClass(pool, options.perClass, seed);
    const chosen = new Set(train.items.map((i) => i.path));
    const test = pool.items.filter((i) => !chosen.has(i.path));
    const extractor = await options.extractorFor(train);
    const cache = options.cache === undefined ? {} : { cache: options.cache };
    const trainVectors = (await embedItems(train.items, extractor, cache)).vectors as Float32Array[];
    const testVectors = (await embedItems(test, extractor, cache)).vectors as Float32Array[];
    const target = (label: string): number => labelIndex.get(label) ?? 0;
    const trainSet = stackFeatures(
      trainVectors,
      train.items.map((i) => target(i.label)),
      train.items.map((_, i) => i),
      extractor.dim,
    );
    const testSet = stackFeatures(
      testVectors,
      test.map((i) => target(i.label)),
      test.map((_, i) => i),
      extractor.dim,
    );
    // No validation split at 8 per class: the fit's stopping rule watches the training loss itself.
    const head = trainHead(trainSet, trainSet, extractor.dim, pool.labels.length, { ...options.head, seed });
    draws.push({
      seed,
      accuracy: scoreHead(head, testSet, pool.labels).accuracy,
      train: trainSet.rows,
      test: testSet.rows,
    });
  }
  return draws;
}

/** Mean and (population) standard deviation of the draws' accuracies. */
export function summarizeDraws(draws: readonly FewShotDraw[]): {
  mean: number;
  std: number;
  min: number;
  max: number;
} {
  const xs = draws.map((d) => d.accuracy);
  const mean = xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);
  const std = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, xs.length));
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs) };
}
