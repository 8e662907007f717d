import type { Folds } from '../dataset/stratified-folds.ts';
import { fitLinearLbfgs } from '../fit/fit-linear-lbfgs.ts';
import { normalizeRows, type InputNormalization } from '../fit/normalize-rows.ts';
import { applyStandardizer, fitStandardizer, type FeatureScaling } from '../fit/standardizer.ts';

/** How the heads being compared treat their input (as `trainHead` would). */
export interface HeadInput {
  readonly normalize: InputNormalization;
  readonly scaling: FeatureScaling;
}

/** Feature vectors of every item under one candidate variant (items in the same order for all). */
export interface VariantFeatures {
  readonly dim: number;
  readonly vectors: readonly Float32Array[];
}

/** Out-of-fold results of one candidate (a feature variant with an L2 strength). */
export interface CvResult {
  readonly variant: number;
  /** scikit-learn's C: the L2 penalty on the mean loss is 1 / (C × training rows). */
  readonly c: number;
  /** Share of items predicted right by the fold model that did not see them. */
  readonly accuracy: number;
  /** Mean out-of-fold cross-entropy (lower is better; breaks accuracy ties). */
  readonly logLoss: number;
  /** Per item: 1 when its out-of-fold prediction was right. */
  readonly correct: Uint8Array;
  /** Per item: the class its out-of-fold model predicted. */
  readonly predicted: Int32Array;
  /** Wall time of this candidate's k fits and predictions. */
  readonly ms: number;
}

/** Out-of-fold outcomes of one C, filled fold by fold. */
interface Tally {
  readonly correct: Uint8Array;
  readonly predicted: Int32Array;
  loss: number;
  ms: number;
}

function stack(vectors: readonly Float32Array[], rows: readonly number[], dim: number): Float32Array {
  const out = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => out.set(vectors[r] as Float32Array, i * dim));
  return out;
}

/** Index of the largest logit of one row. */
function argmaxRow(logits: Float64Array, row: number, classes: number): number {
  let best = 0;
  for (let k = 1; k < classes; k++) {
    if ((logits[row * classes + k] as number) > (logits[row * classes + best] as number)) {
      best = k;
    }
  }
  return best;
}

/** Logits `x·Wᵀ + b` of standardised rows for parameters laid out `[classes × dim, classes]`. */
function logitsOf(
  x: Float64Array,
  rows: number,
  dim: number,
  classes: number,
  theta: Float64Array,
): Float64Array {
  const out = new Float64Array(rows * classes);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < classes; k++) {
      let s = theta[classes * dim + k] as number;
      for (let j = 0; j < dim; j++) {
        s += (x[r * dim + j] as number) * (theta[k * dim + j] as number);
      }
      out[r * classes + k] = s;
    }
  }
  return out;
}

/**
 * k-fold cross-validation of softmax-regression heads, as `trainHead` fits them (normalized and
 * scaled as `input` says, fitted on the training rows; L-BFGS to convergence, no early stopping): for every fold and variant, one head
 * per C, each warm-started from the previous C's solution (`cs` in increasing order, strongest
 * regularisation first), scored on the fold it did not see. Deterministic: the path starts from
 * zeros and the folds are given.
 */
export function crossValidate(
  variants: readonly VariantFeatures[],
  targets: ArrayLike<number>,
  numClasses: number,
  folds: Folds,
  cs: readonly number[],
  input: HeadInput = { normalize: 'none', scaling: 'per-dimension' },
): CvResult[] {
  const n = targets.length;
  const order = [...cs].sort((a, b) => a - b);
  const trainRows: number[][] = Array.from({ length: folds.k }, () => []);
  const testRows: number[][] = Array.from({ length: folds.k }, () => []);
  for (let i = 0; i < n; i++) {
    const f = folds.fold[i] as number;
    for (let g = 0; g < folds.k; g++) {
      (g === f ? testRows[g] : trainRows[g])?.push(i);
    }
  }
  const results: CvResult[] = [];
  variants.forEach((variant, v) => {
    const dim = variant.dim;
    const perC = new Map(
      order.map((c) => [c, { correct: new Uint8Array(n), predicted: new Int32Array(n), loss: 0, ms: 0 }]),
    );
    for (let f = 0; f < folds.k; f++) {
      const train = trainRows[f] as number[];
      const test = testRows[f] as number[];
      const rawTrain = normalizeRows(stack(variant.vectors, train, dim), train.length, dim, input.normalize);
      const standardizer = fitStandardizer(rawTrain, train.length, dim, input.scaling);
      const trainSet = {
        x: applyStandardizer(rawTrain, train.length, standardizer),
        y: Int32Array.from(train, (r) => targets[r] as number),
        rows: train.length,
        dim,
      };
      const testX = applyStandardizer(
        normalizeRows(stack(variant.vectors, test, dim), test.length, dim, input.normalize),
        test.length,
        standardizer,
      );
      let init: Float64Array | undefined;
      for (const c of order) {
        const started = performance.now();
        const fit = fitLinearLbfgs(trainSet, undefined, {
          numClasses,
          l2: 1 / (c * train.length),
          maxEpochs: 500,
          patience: 20,
          ...(init === undefined ? {} : { init }),
        });
        const layer = fit.layers[0];
        if (layer === undefined) {
          continue;
        }
        init = new Float64Array(numClasses * dim + numClasses);
        init.set(layer.weight, 0);
        init.set(layer.bias, numClasses * dim);
        const logits = logitsOf(testX, test.length, dim, numClasses, init);
        const acc = perC.get(c) as Tally;
        test.forEach((r, row) => {
          const t = targets[r] as number;
          const guess = argmaxRow(logits, row, numClasses);
          acc.predicted[r] = guess;
          acc.correct[r] = guess === t ? 1 : 0;
          // cross-entropy from logits: logsumexp − logit of the true class
          let max = -Infinity;
          for (let k = 0; k < numClasses; k++) {
            max = Math.max(max, logits[row * numClasses + k] as number);
          }
          let sum = 0;
          for (let k = 0; k < numClasses; k++) {
            sum += Math.exp((logits[row * numClasses + k] as number) - max);
          }
          acc.loss += max + Math.log(sum) - (logits[row * numClasses + t] as number);
        });
        acc.ms += performance.now() - started;
      }
    }
    for (const c of cs) {
      const acc = perC.get(c) as Tally;
      results.push({
        variant: v,
        c,
        accuracy: acc.correct.reduce((a, b) => a + b, 0) / Math.max(1, n),
        logLoss: acc.loss / Math.max(1, n),
        correct: acc.correct,
        predicted: acc.predicted,
        ms: acc.ms,
      });
    }
  });
  return results;
}
