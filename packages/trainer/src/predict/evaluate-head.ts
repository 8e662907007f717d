import type { FeatureExtractor } from '@modelhub/core';

import { embedItems } from '../cache/embed-items.ts';
import type { FeatureCache } from '../cache/feature-cache.ts';
import type { Dataset } from '../dataset/dataset.ts';
import { argmaxRows } from '../fit/dense-layer.ts';
import { classificationMetrics, type ClassificationMetrics } from '../metrics/classification-metrics.ts';
import type { HeadClassifier } from './head-classifier.ts';

/** Result of {@link evaluateHead}. */
export interface HeadEvaluation {
  readonly metrics: ClassificationMetrics;
  /** Dataset labels the head does not know (their images are left out of the metrics). */
  readonly unknownLabels: readonly string[];
  readonly skipped: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  readonly fromCache: number;
  /** What the extractor did to some inputs (e.g. texts cut to the model's length). */
  readonly warnings: readonly string[];
}

/**
 * Scores a head on a labelled dataset (`hub eval`): embeds through the cache, predicts, and
 * computes the metrics over the images whose label the head knows.
 */
export async function evaluateHead(
  classifier: HeadClassifier,
  extractor: FeatureExtractor,
  dataset: Dataset,
  options: { readonly cache?: FeatureCache; readonly skipBad?: boolean } = {},
): Promise<HeadEvaluation> {
  const labelIndex = new Map(classifier.labels.map((l, i) => [l, i]));
  const unknownLabels = dataset.labels.filter((l) => !labelIndex.has(l));
  const items = dataset.items.filter((i) => labelIndex.has(i.label));
  const embedded = await embedItems(items, extractor, options);
  const dim = extractor.dim;
  const rows: number[] = [];
  items.forEach((_, i) => {
    if (embedded.vectors[i] !== undefined) {
      rows.push(i);
    }
  });
  const features = new Float32Array(rows.length * dim);
  const truth = new Int32Array(rows.length);
  rows.forEach((i, r) => {
    features.set(embedded.vectors[i] as Float32Array, r * dim);
    truth[r] = labelIndex.get((items[i] as { label: string }).label) ?? 0;
  });
  const out = await classifier.scoreFeatures(features, rows.length);
  const metrics = classificationMetrics(
    truth,
    argmaxRows(out.logits, rows.length, out.classes),
    classifier.labels,
    out.probs,
  );
  return {
    metrics,
    unknownLabels,
    skipped: embedded.failures,
    fromCache: embedded.fromCache,
    warnings: embedded.warnings,
  };
}
