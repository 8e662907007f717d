import { ModelhubError } from '@modelhub/core';

import { balancedClassWeights } from '../dataset/stratified-split.ts';
import type { DenseLayer } from './dense-layer.ts';
import { fitAdam } from './fit-adam.ts';
import { fitLinearLbfgs } from './fit-linear-lbfgs.ts';
import type { EpochRecord, FitResult, StopReason } from './fit-types.ts';
import { normalizeRows, type InputNormalization } from './normalize-rows.ts';
import {
  applyStandardizer,
  fitStandardizer,
  identityStandardizer,
  toExportLayers,
  type FeatureScaling,
  type Standardizer,
} from './standardizer.ts';

/** Feature vectors with their class indices, row-major `[rows, dim]`. */
export interface LabelledFeatures {
  readonly features: Float32Array;
  readonly targets: Int32Array;
  readonly rows: number;
}

/** Hyper-parameters of a head; every default is written into the recipe. */
export interface TrainHeadOptions {
  /** `linear` = softmax regression; `mlp` = one or more ReLU hidden layers. @default 'linear' */
  readonly head?: 'linear' | 'mlp';
  /** Hidden widths of the MLP. @default [128] */
  readonly hidden?: readonly number[];
  /** @default 'lbfgs' for linear, 'adam' for mlp */
  readonly optimizer?: 'lbfgs' | 'adam';
  /** L2 penalty on the mean loss. @default 1 / training rows (scikit-learn's C = 1) for linear, 1e-4 for mlp */
  readonly l2?: number;
  /** Adam step size. @default 1e-3 */
  readonly learningRate?: number;
  /** Adam mini-batch size. @default min(32, rows) */
  readonly batchSize?: number;
  /** @default 500 (L-BFGS iterations) / 200 (Adam epochs) */
  readonly maxEpochs?: number;
  /**
   * L-BFGS stops when every component of the gradient of the mean loss is at most this
   * (scikit-learn ≥ 1.4's `tol`, which also applies to the mean loss). @default 1e-4
   */
  readonly tolerance?: number;
  /**
   * L-BFGS also stops when an iteration lowers the summed loss by at most this fraction (scipy
   * L-BFGS-B's `factr·eps` test; 2.2e-9 there). @default 1e-12
   */
  readonly decreaseTolerance?: number;
  /** Early-stopping patience on validation loss. @default 20 (L-BFGS) / 10 (Adam) */
  readonly patience?: number;
  /** @default 'none' */
  readonly classWeighting?: 'none' | 'balanced';
  /** Scale each feature vector to unit length first (`LpNormalization` in head.onnx). @default 'none' */
  readonly normalize?: InputNormalization;
  /** Per-column z-scores, centring with one shared scale, or the features as they are. @default 'per-dimension' */
  readonly scaling?: FeatureScaling;
  /** Seeds everything random. */
  readonly seed: number;
  readonly onEpoch?: (record: EpochRecord) => void;
}

/** A fitted head: float32 layers that take raw features (standardisation folded in). */
export interface TrainedHead {
  readonly type: 'linear' | 'mlp';
  /** What the head does to each feature vector before its first layer. */
  readonly normalize: InputNormalization;
  readonly hidden: readonly number[];
  readonly dim: number;
  readonly numClasses: number;
  readonly layers: readonly DenseLayer[];
  readonly standardizer: Standardizer;
  /** Every hyper-parameter actually used (for `modelhub.json`). */
  readonly recipe: Readonly<Record<string, unknown>>;
  readonly history: readonly EpochRecord[];
  readonly bestEpoch: number;
  readonly stopReason: StopReason;
  readonly fitMs: number;
}

function checkSet(name: string, set: LabelledFeatures, dim: number, numClasses: number): void {
  if (set.features.length !== set.rows * dim || set.targets.length !== set.rows) {
    throw new ModelhubError('INVALID_ARGUMENT', `${name} set: ${set.rows} rows do not match its arrays`);
  }
  for (const t of set.targets) {
    if (!(t >= 0 && t < numClasses)) {
      throw new ModelhubError(
        'INVALID_ARGUMENT',
        `${name} set has class index ${t}, outside 0…${numClasses - 1}`,
      );
    }
  }
  // v·0 is 0 for every finite v and NaN for NaN and ±∞: one multiply-add per value, no branch.
  const f = set.features;
  let poison = 0;
  for (let i = 0; i < f.length; i++) {
    poison += (f[i] as number) * 0;
  }
  if (Number.isNaN(poison)) {
    throw new ModelhubError('INVALID_INPUT', `${name} features contain NaN or infinite values`, {
      hint: 'The backbone produced invalid features; check the preprocessing and the tapped tensor.',
    });
  }
}

/**
 * Fits a head on frozen features: z-scores them (fitted on the training rows), trains softmax
 * regression (L-BFGS) or an MLP (Adam) with L2 and early stopping on validation loss, and folds the
 * z-scoring into the first layer. Deterministic for a given seed.
 */
export function trainHead(
  train: LabelledFeatures,
  validation: LabelledFeatures | undefined,
  dim: number,
  numClasses: number,
  options: TrainHeadOptions,
): TrainedHead {
  checkSet('training', train, dim, numClasses);
  if (validation !== undefined) {
    checkSet('validation', validation, dim, numClasses);
  }
  if (train.rows === 0) {
    throw new ModelhubError('INVALID_DATASET', 'no training examples');
  }
  const type = options.head ?? 'linear';
  const hidden = type === 'mlp' ? [...(options.hidden ?? [128])] : [];
  const optimizer = options.optimizer ?? (type === 'linear' ? 'lbfgs' : 'adam');
  if (optimizer === 'lbfgs' && type !== 'linear') {
    throw new ModelhubError('INVALID_ARGUMENT', 'L-BFGS fits the linear head only; the MLP head uses Adam');
  }
  const l2 = options.l2 ?? (type === 'linear' ? 1 / train.rows : 1e-4);
  const maxEpochs = options.maxEpochs ?? (optimizer === 'lbfgs' ? 500 : 200);
  const patience = options.patience ?? (optimizer === 'lbfgs' ? 20 : 10);
  const batchSize = Math.min(options.batchSize ?? 32, train.rows);
  const learningRate = options.learningRate ?? 1e-3;
  const classWeighting = options.classWeighting ?? 'none';
  const tolerance = options.tolerance ?? 1e-4;
  const decreaseTolerance = options.decreaseTolerance ?? 1e-12;
  const classWeights =
    classWeighting === 'balanced' ? balancedClassWeights(train.targets, numClasses) : undefined;

  const normalize = options.normalize ?? 'none';
  const scaling = options.scaling ?? 'per-dimension';
  const started = performance.now();
  const trainFeatures = normalizeRows(train.features, train.rows, dim, normalize);
  const standardizer =
    scaling === 'none' ? identityStandardizer(dim) : fitStandardizer(trainFeatures, train.rows, dim, scaling);
  const trainSet = {
    x: applyStandardizer(trainFeatures, train.rows, standardizer),
    y: train.targets,
    rows: train.rows,
    dim,
  };
  const valSet =
    validation === undefined
      ? undefined
      : {
          x: applyStandardizer(
            normalizeRows(validation.features, validation.rows, dim, normalize),
            validation.rows,
            standardizer,
          ),
          y: validation.targets,
          rows: validation.rows,
          dim,
        };
  const common = {
    numClasses,
    l2,
    maxEpochs,
    patience,
    ...(classWeights === undefined ? {} : { classWeights }),
    ...(options.onEpoch === undefined ? {} : { onEpoch: options.onEpoch }),
  };
  const fit: FitResult =
    optimizer === 'lbfgs'
      ? fitLinearLbfgs(trainSet, valSet, { ...common, tolerance, decreaseTolerance })
      : fitAdam(trainSet, valSet, { ...common, hidden, learningRate, batchSize, seed: options.seed });
  const layers = toExportLayers(fit.layers, standardizer);
  const fitMs = performance.now() - started;

  const recipe: Record<string, unknown> = {
    head: type,
    hidden,
    activation: hidden.length > 0 ? 'relu' : 'none',
    optimizer,
    l2,
    normalize,
    standardize:
      scaling === 'none'
        ? 'none'
        : scaling === 'global'
          ? 'centred per column, one shared scale (fitted on training rows, folded into the first Gemm)'
          : 'z-score (fitted on training rows, folded into the first Gemm)',
    maxEpochs,
    patience,
    earlyStopping: validation === undefined ? 'off (no validation set)' : 'validation loss, best epoch kept',
    classWeighting,
    seed: options.seed,
    ...(optimizer === 'adam'
      ? { learningRate, batchSize, init: 'he-normal' }
      : { tolerance, decreaseTolerance, memory: 10, init: 'zeros' }),
    epochsRun: fit.history.length,
    bestEpoch: fit.bestEpoch,
    stopReason: fit.stopReason,
  };
  return {
    type,
    normalize,
    hidden,
    dim,
    numClasses,
    layers,
    standardizer,
    recipe,
    history: fit.history,
    bestEpoch: fit.bestEpoch,
    stopReason: fit.stopReason,
    fitMs,
  };
}
