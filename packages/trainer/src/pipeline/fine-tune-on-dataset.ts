import type * as tf from '@tensorflow/tfjs';

import type { FeatureExtractor } from '@modelhub/core';

import type { Dataset } from '../dataset/dataset.ts';
import { fineTuneTail, runTail, type FineTuneTailResult } from '../fine-tune/fine-tune-tail.ts';
import type { TailPlan } from '../fine-tune/tfjs-tail.ts';
import { useTrainingBackend } from '../fine-tune/wasm-training-backend.ts';
import { argmaxRows, forwardLayers, type DenseLayer } from '../fit/dense-layer.ts';
import type { EpochRecord } from '../fit/fit-types.ts';
import { trainHead, type LabelledFeatures, type TrainedHead } from '../fit/train-head.ts';
import { classificationMetrics, type ClassificationMetrics } from '../metrics/classification-metrics.ts';
import { prepareDataset, type TrainOnDatasetOptions, type TrainOnDatasetResult } from './train-on-dataset.ts';

/** Options of {@link fineTuneOnDataset}. */
export interface FineTuneOnDatasetOptions extends TrainOnDatasetOptions {
  /** Cut activations → tap features, over the backbone's own layers (trained in place). */
  readonly tail: tf.LayersModel;
  readonly plan: TailPlan;
  /** Adam step of the fine-tuning phase. @default 1e-4 */
  readonly fineTuneLearningRate?: number;
  /** @default 20 */
  readonly fineTuneEpochs?: number;
  /** Progress of the fine-tuning epochs (`onEpoch` reports the warm-start head's). */
  readonly onFineTuneEpoch?: (record: EpochRecord) => void;
  /** Images per Adam step. @default 16 */
  readonly fineTuneBatchSize?: number;
}

/** A fine-tuning run: like Option 1's result, with the head on the tail's outputs. */
export interface FineTuneOnDatasetResult extends TrainOnDatasetResult {
  readonly fineTune: FineTuneTailResult;
  /** Validation metrics of the Option-1 head before fine-tuning (the number fine-tuning must beat). */
  readonly before: ClassificationMetrics;
}

function score(
  tail: tf.LayersModel,
  layers: readonly DenseLayer[],
  set: LabelledFeatures,
  labels: readonly string[],
): ClassificationMetrics {
  const out = forwardLayers(layers, runTail(tail, set.features, set.rows), set.rows);
  return classificationMetrics(set.targets, argmaxRows(out.logits, set.rows, out.classes), labels, out.probs);
}

/**
 * Option 2 end to end: embed the activations at the cut (cached like any features), fit the
 * Option-1 head on the tail's initial outputs, then fine-tune tail and head together.
 */
export async function fineTuneOnDataset(
  dataset: Dataset,
  cutExtractor: FeatureExtractor,
  options: FineTuneOnDatasetOptions,
): Promise<FineTuneOnDatasetResult> {
  const prepared = await prepareDataset(dataset, cutExtractor, options);
  const { labels, trainSet, valSet, split } = prepared;
  await useTrainingBackend();
  const tapTrain = { ...trainSet, features: runTail(options.tail, trainSet.features, trainSet.rows) };
  const tapVal = { ...valSet, features: runTail(options.tail, valSet.features, valSet.rows) };
  const tapDim = tapTrain.features.length / Math.max(1, tapTrain.rows);
  const warm = trainHead(tapTrain, tapVal, tapDim, labels.length, options);
  const before = score(options.tail, warm.layers, valSet, labels);
  const ft = await fineTuneTail({
    tail: options.tail,
    train: trainSet,
    validation: valSet,
    head: warm,
    numClasses: labels.length,
    seed: options.seed,
    // The same penalty the warm head was fitted with: a weaker one lets the head drift off at once.
    ...(typeof warm.recipe['l2'] === 'number' ? { l2: warm.recipe['l2'] } : {}),
    ...(options.fineTuneLearningRate === undefined ? {} : { learningRate: options.fineTuneLearningRate }),
    ...(options.fineTuneEpochs === undefined ? {} : { maxEpochs: options.fineTuneEpochs }),
    ...(options.fineTuneBatchSize === undefined ? {} : { batchSize: options.fineTuneBatchSize }),
    ...(options.onFineTuneEpoch === undefined ? {} : { onEpoch: options.onFineTuneEpoch }),
  });
  const head: TrainedHead = {
    ...warm,
    layers: ft.head,
    recipe: {
      ...warm.recipe,
      fineTune: {
        cutLayer: options.plan.cutLayer,
        tapLayer: options.plan.tapLayer,
        trainedLayers: options.plan.trainedLayers,
        ...ft.recipe,
      },
    },
    history: ft.history,
    bestEpoch: ft.bestEpoch,
    stopReason: ft.stopReason,
    fitMs: warm.fitMs + ft.fitMs,
  };
  return {
    labels,
    items: prepared.items,
    manifestSha256: prepared.manifestSha256,
    perClass: prepared.perClass,
    split,
    head,
    validation: score(options.tail, ft.head, valSet, labels),
    train: score(options.tail, ft.head, trainSet, labels),
    dedupe: prepared.dedupe,
    embedding: prepared.embedding,
    fineTune: ft,
    before,
  };
}
