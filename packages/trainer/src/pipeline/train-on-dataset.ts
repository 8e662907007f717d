import type { FeatureExtractor } from '@modelhub/core';

import { embedItems } from '../cache/embed-items.ts';
import type { Dataset, DatasetItem } from '../dataset/dataset.ts';
import { datasetManifestHash } from '../dataset/dataset-manifest-hash.ts';
import { dedupeItems, type DedupeReport } from '../dataset/dedupe-items.ts';
import { stratifiedSplit, type Split } from '../dataset/stratified-split.ts';
import { argmaxRows, forwardLayers } from '../fit/dense-layer.ts';
import {
  trainHead,
  type LabelledFeatures,
  type TrainHeadOptions,
  type TrainedHead,
} from '../fit/train-head.ts';
import { classificationMetrics, type ClassificationMetrics } from '../metrics/classification-metrics.ts';
import { embedOptionsOf, type DatasetEmbedOptions } from './dataset-embed-options.ts';
import { usableRows } from './usable-rows.ts';

/** Options of {@link trainOnDataset}. */
export interface TrainOnDatasetOptions extends TrainHeadOptions, DatasetEmbedOptions {
  /** Share of each class held out for validation. @default 0.2 */
  readonly validationFraction?: number;
  /** Seed of the split. @default the training seed */
  readonly splitSeed?: number;
}

/** Everything a training run produced, ready for the artifact writer and the report. */
export interface TrainOnDatasetResult {
  readonly labels: readonly string[];
  /** Items actually trained/validated on (images the backbone could not read are left out). */
  readonly items: readonly DatasetItem[];
  readonly manifestSha256: string;
  readonly perClass: Readonly<Record<string, number>>;
  readonly split: Split;
  readonly head: TrainedHead;
  readonly validation: ClassificationMetrics;
  readonly train: ClassificationMetrics;
  /** Identical images left out before the split (so none sits on both sides). */
  readonly dedupe: DedupeReport;
  readonly embedding: {
    readonly fromCache: number;
    readonly embedded: number;
    readonly skipped: ReadonlyArray<{ readonly path: string; readonly message: string }>;
    readonly namespace: string;
    readonly warnings: readonly string[];
  };
}

/** Stacks vectors of the given item indices into a row-major matrix with their class indices. */
export function stackFeatures(
  vectors: readonly Float32Array[],
  targets: readonly number[],
  indices: readonly number[],
  dim: number,
): LabelledFeatures {
  const features = new Float32Array(indices.length * dim);
  const t = new Int32Array(indices.length);
  indices.forEach((idx, row) => {
    features.set(vectors[idx] as Float32Array, row * dim);
    t[row] = targets[idx] as number;
  });
  return { features, targets: t, rows: indices.length };
}

/** Predicts a labelled set with a trained head and scores it. */
export function scoreHead(
  head: TrainedHead,
  set: LabelledFeatures,
  labels: readonly string[],
): ClassificationMetrics {
  const out = forwardLayers(head.layers, set.features, set.rows, head.normalize);
  return classificationMetrics(set.targets, argmaxRows(out.logits, set.rows, out.classes), labels, out.probs);
}

/** A dataset embedded (through the cache), de-duplicated and split: what every fitting run starts from. */
export interface PreparedDataset {
  readonly labels: readonly string[];
  readonly items: readonly DatasetItem[];
  readonly vectors: readonly Float32Array[];
  readonly targets: readonly number[];
  readonly split: Split;
  readonly trainSet: LabelledFeatures;
  readonly valSet: LabelledFeatures;
  readonly manifestSha256: string;
  readonly perClass: Readonly<Record<string, number>>;
  readonly dedupe: DedupeReport;
  readonly embedding: TrainOnDatasetResult['embedding'];
}

/** Embeds a dataset through the cache, leaves duplicates out and splits it stratified. */
export async function prepareDataset(
  dataset: Dataset,
  extractor: FeatureExtractor,
  options: TrainOnDatasetOptions,
): Promise<PreparedDataset> {
  const unique = dedupeItems(dataset.items);
  const embedded = await embedItems(unique.items, extractor, embedOptionsOf(options));
  const { items, vectors, labels, targets } = usableRows(dataset, unique.items, embedded.vectors);
  const split = stratifiedSplit(
    items.map((i) => i.label),
    { validationFraction: options.validationFraction ?? 0.2, seed: options.splitSeed ?? options.seed },
  );
  const dim = extractor.dim;
  const perClass: Record<string, number> = {};
  for (const item of items) {
    perClass[item.label] = (perClass[item.label] ?? 0) + 1;
  }
  return {
    labels,
    items,
    vectors,
    targets,
    split,
    trainSet: stackFeatures(vectors, targets, split.train, dim),
    valSet: stackFeatures(vectors, targets, split.validation, dim),
    manifestSha256: datasetManifestHash(items),
    perClass,
    dedupe: unique.report,
    embedding: {
      fromCache: embedded.fromCache,
      embedded: embedded.embedded,
      skipped: embedded.failures,
      namespace: embedded.namespace,
      warnings: embedded.warnings,
    },
  };
}

/**
 * Option 1 end to end on a scanned dataset: embed every image through the cache, split it
 * stratified with a recorded seed, fit the head on frozen features, and score both sides.
 */
export async function trainOnDataset(
  dataset: Dataset,
  extractor: FeatureExtractor,
  options: TrainOnDatasetOptions,
): Promise<TrainOnDatasetResult> {
  const prepared = await prepareDataset(dataset, extractor, options);
  const { labels, trainSet, valSet } = prepared;
  const head = trainHead(trainSet, valSet, extractor.dim, labels.length, options);
  return {
    labels,
    items: prepared.items,
    manifestSha256: prepared.manifestSha256,
    perClass: prepared.perClass,
    split: prepared.split,
    head,
    validation: scoreHead(head, valSet, labels),
    train: scoreHead(head, trainSet, labels),
    dedupe: prepared.dedupe,
    embedding: prepared.embedding,
  };
}
