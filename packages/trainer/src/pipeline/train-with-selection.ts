import {
  describeViews,
  extractorCandidates,
  type CandidateExtractor,
  type FeatureExtractor,
  type FeatureVariant,
  type PoolingName,
} from '@modelhub/core';

import { embedCandidates } from '../cache/embed-candidates.ts';
import type { Dataset } from '../dataset/dataset.ts';
import { datasetManifestHash } from '../dataset/dataset-manifest-hash.ts';
import { dedupeItems } from '../dataset/dedupe-items.ts';
import { stratifiedSplit, type Split } from '../dataset/stratified-split.ts';
import type { InputNormalization } from '../fit/normalize-rows.ts';
import type { FeatureScaling } from '../fit/standardizer.ts';
import { trainHead, type TrainHeadOptions } from '../fit/train-head.ts';
import { classificationMetrics } from '../metrics/classification-metrics.ts';
import { selectFeatures, type FeatureSelection } from '../select/select-features.ts';
import { scoreHead, stackFeatures, type TrainOnDatasetResult } from './train-on-dataset.ts';
import { embedOptionsOf, type DatasetEmbedOptions } from './dataset-embed-options.ts';
import { usableRows } from './usable-rows.ts';

/** The L2 strengths `hub train` tries unless `--c` pins one (scikit-learn's C). */
export const DEFAULT_CS: readonly number[] = [0.1, 1, 10];

/**
 * What `hub train` tries and how its heads read features, unless pinned: one place, shared by the
 * CLI and the benchmark (chosen on development digits; see DEVELOPERS.md).
 */
export const TRAIN_DEFAULTS = {
  poolings: ['mean', 'max', 'meanmax'],
  /** Feature tensors before the automatic tap, as `earlierFeatureTensors` lists them. */
  earlierTaps: 2,
  /**
   * The padding the model was trained with. Each image padded only to its own width (`tight`, 5–6×
   * faster through PaddleOCR rec) is there to pin; offered to the choice, it was chosen on 2 of 90
   * development draws and lost 4.5 and 5.6 points both times (DEVELOPERS.md).
   */
  padding: ['full'],
  /** Also try the automatic tap joined with a grid view of the map it pools (image ONNX backbones). */
  gridViews: true,
  cs: DEFAULT_CS,
  maxFolds: 5,
  normalize: 'l2',
  scaling: 'global',
} as const satisfies {
  poolings: readonly PoolingName[];
  earlierTaps: number;
  padding: ReadonlyArray<'full' | 'tight'>;
  gridViews: boolean;
  cs: readonly number[];
  maxFolds: number;
  normalize: InputNormalization;
  scaling: FeatureScaling;
};

/** Options of {@link trainWithSelection}. */
export interface TrainWithSelectionOptions extends Omit<TrainHeadOptions, 'l2'>, DatasetEmbedOptions {
  /** L2 strengths to try, as scikit-learn's C. @default DEFAULT_CS */
  readonly cs?: readonly number[];
  /** At most this many folds. @default 5 */
  readonly maxFolds?: number;
  /**
   * Share of each class held out before anything is chosen, scored only at the end. 0 = none: the
   * head is refitted on every image and the cross-validated (out-of-fold) scores are the estimate.
   * @default 0
   */
  readonly validationFraction?: number;
}

/** One scored candidate, as reported in `modelhub.json`, the model card and `--json`. */
export interface CandidateReport {
  readonly tap: string;
  readonly pooling: string;
  readonly masked: boolean;
  /** The grid views joined to the tap (`describeViews`), when there are any. */
  readonly views?: string;
  /** `full`: padded to the preprocessing's size; `tight`: each image only to its own size. */
  readonly padding: 'full' | 'tight' | 'none';
  readonly dim: number;
  readonly c: number;
  readonly cvAccuracy: number;
  readonly cvLogLoss: number;
  /** Wall time of this candidate's k fits. */
  readonly ms: number;
}

/** How the features and C were chosen. */
export interface SelectionReport {
  readonly method: 'stratified-k-fold';
  readonly k: number;
  readonly seed: number;
  /** Why k is smaller than 5, or why nothing was cross-validated. */
  readonly fallback: string | undefined;
  readonly chosen: CandidateReport & { readonly index: number };
  /** Every candidate in the order tried (empty when nothing could be cross-validated). */
  readonly candidates: readonly CandidateReport[];
  /** Wall time of the whole cross-validation. */
  readonly ms: number;
}

/** What a run with selection produced. */
export interface TrainWithSelectionResult extends TrainOnDatasetResult {
  /** The chosen feature variant: what the head reads (tap, pooling, mask, preprocessing). */
  readonly variant: FeatureVariant;
  readonly selection: SelectionReport;
  /** How `validation` was measured. */
  readonly validationKind: 'held-out' | 'cross-validated' | 'none';
}

/** `full`, `tight` or `none` (no padding at all), from a variant's preprocessing. */
export function paddingOf(variant: FeatureVariant): CandidateReport['padding'] {
  if (variant.preprocess.modality === 'text' || variant.preprocess.modality === 'audio') {
    return 'none';
  }
  const pad = variant.preprocess.pad;
  return pad === null ? 'none' : pad.multiple === undefined ? 'full' : 'tight';
}

function describe(
  variant: FeatureVariant,
  c: number,
  cv?: { accuracy: number; logLoss: number; ms: number },
): CandidateReport {
  const round = (x: number): number => Math.round(x * 1e4) / 1e4;
  return {
    tap: variant.tap.tensor,
    pooling: variant.tap.pooling,
    masked: variant.tap.mask !== undefined,
    ...(variant.tap.views === undefined ? {} : { views: describeViews(variant.tap).trim() }),
    padding: paddingOf(variant),
    dim: variant.tap.dim,
    c,
    cvAccuracy: round(cv?.accuracy ?? Number.NaN),
    cvLogLoss: round(cv?.logLoss ?? Number.NaN),
    ms: Math.round((cv?.ms ?? 0) * 10) / 10,
  };
}

/**
 * Option 1 with a cross-validated choice: embeds every image under every candidate variant (one
 * backbone pass per image and padding, through the cache), chooses the variant and C by stratified
 * k-fold cross-validation on the training images only, then refits the head on all of them. With
 * `validationFraction` > 0 a stratified hold-out is set aside first and scored at the end;
 * otherwise the chosen candidate's out-of-fold predictions are the reported validation metrics.
 */
export async function trainWithSelection(
  dataset: Dataset,
  candidates: CandidateExtractor,
  options: TrainWithSelectionOptions,
): Promise<TrainWithSelectionResult> {
  const unique = dedupeItems(dataset.items);
  const embedded = await embedCandidates(unique.items, candidates, embedOptionsOf(options));
  const { items, vectors, labels, targets } = usableRows(dataset, unique.items, embedded.vectors);
  const fraction = options.validationFraction ?? 0;
  const split: Split =
    fraction > 0
      ? stratifiedSplit(
          items.map((i) => i.label),
          { validationFraction: fraction, seed: options.seed },
        )
      : { train: items.map((_, i) => i), validation: [], seed: options.seed, validationFraction: 0 };

  const trainTargets = split.train.map((i) => targets[i] as number);
  const variantFeatures = candidates.variants.map((v, vi) => ({
    padding: paddingOf(v),
    // A tap joined with views is a tap of its own for the choice (decided before the pooling).
    tap: `${v.tap.tensor}${describeViews(v.tap)}`,
    pooling: v.tap.pooling,
    dim: v.tap.dim,
    vectors: split.train.map((i) => (vectors[i] as readonly Float32Array[])[vi] as Float32Array),
  }));
  const cs = options.cs ?? DEFAULT_CS;
  const selection: FeatureSelection = selectFeatures(variantFeatures, trainTargets, labels, {
    cs,
    seed: options.seed,
    input: { normalize: options.normalize ?? 'none', scaling: options.scaling ?? 'per-dimension' },
    // Pinned to one candidate with a hold-out: the hold-out is the estimate, nothing to choose.
    skipSingle: split.validation.length > 0,
    ...(options.maxFolds === undefined ? {} : { maxFolds: options.maxFolds }),
  });
  const chosenIndex = selection.chosen.variant;
  const variant = candidates.variants[chosenIndex] as FeatureVariant;
  const chosenVectors = vectors.map((v) => v[chosenIndex] as Float32Array);
  const dim = variant.tap.dim;
  const trainSet = stackFeatures(chosenVectors, targets, split.train, dim);
  const valSet = stackFeatures(chosenVectors, targets, split.validation, dim);
  const { cs: _cs, ...headOptions } = options;
  const head = trainHead(trainSet, split.validation.length > 0 ? valSet : undefined, dim, labels.length, {
    ...headOptions,
    ...((options.head ?? 'linear') === 'linear' ? { l2: 1 / (selection.chosen.c * trainSet.rows) } : {}),
  });
  const chosenResult = selection.chosenResult;
  let validation;
  let validationKind: TrainWithSelectionResult['validationKind'];
  if (split.validation.length > 0) {
    validation = scoreHead(head, valSet, labels);
    validationKind = 'held-out' as const;
  } else if (chosenResult !== undefined) {
    validation = {
      ...classificationMetrics(trainTargets, chosenResult.predicted, labels),
      logLoss: Math.round(chosenResult.logLoss * 1e6) / 1e6,
    };
    validationKind = 'cross-validated' as const;
  } else {
    validation = classificationMetrics([], [], labels);
    validationKind = 'none' as const;
  }
  const perClass: Record<string, number> = {};
  for (const item of items) {
    perClass[item.label] = (perClass[item.label] ?? 0) + 1;
  }
  const reports = selection.results.map((r) =>
    describe(candidates.variants[r.variant] as FeatureVariant, r.c, r),
  );
  const chosenReport =
    chosenResult === undefined
      ? describe(variant, selection.chosen.c)
      : describe(variant, selection.chosen.c, chosenResult);
  return {
    labels,
    items,
    manifestSha256: datasetManifestHash(items),
    perClass,
    split,
    head: { ...head, recipe: { ...head.recipe, c: selection.chosen.c } },
    validation,
    train: scoreHead(head, trainSet, labels),
    dedupe: unique.report,
    embedding: {
      fromCache: embedded.fromCache,
      embedded: embedded.embedded,
      skipped: embedded.failures,
      namespace: embedded.namespaces[chosenIndex] ?? '',
      warnings: embedded.warnings,
    },
    variant,
    selection: {
      method: 'stratified-k-fold',
      k: selection.folds.k,
      seed: options.seed,
      fallback: selection.fallback,
      chosen: { ...chosenReport, index: chosenIndex },
      candidates: reports,
      ms: Math.round(selection.ms),
    },
    validationKind,
  };
}

/** A single extractor as a candidate set of one variant (C is then the only choice). */
export function singleVariantCandidates(extractor: FeatureExtractor): CandidateExtractor {
  return extractorCandidates(extractor.modelId, [extractor]);
}
