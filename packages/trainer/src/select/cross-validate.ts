import type { Folds } from '../dataset/stratified-folds.ts';
import { fitLinearLbfgs } from '../fit/fit-linear-lbfgs.ts';
import { normalizeRows, type InputNormalization } from '../fit/normalize-rows.ts';
import {
  applyStandardizer,
  fitStandardizer,
  identityStandardizer,
  type FeatureScaling,
} from '../fit/standardizer.ts';
import { kernelCoordinates, type KernelCoordinates } from './kernel-coordinates.ts';

/** How the heads being compared treat their input (as `trainHead` would). */
export interface HeadInput {
  readonly normalize: InputNormalization;
  readonly scaling: FeatureScaling;
  /**
   * Fit on the training rows' coordinates in their own span when features outnumber them: the same
   * solution on far fewer columns (see `kernelCoordinates`). @default true
   */
  readonly kernel?: boolean;
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

/** Dot products of the rows of a `[rows, dim]` matrix: `[rows, rows]`. */
function gramOf(x: Float32Array | Float64Array, rows: number, dim: number): Float64Array {
  const g = new Float64Array(rows * rows);
  for (let i = 0; i < rows; i++) {
    for (let j = i; j < rows; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        s += (x[i * dim + k] as number) * (x[j * dim + k] as number);
      }
      g[i * rows + j] = s;
      g[j * rows + i] = s;
    }
  }
  return g;
}

/** Dot products of `a` rows with `b` rows: `[aRows, bRows]`. */
function crossOf(a: Float64Array, aRows: number, b: Float64Array, bRows: number, dim: number): Float64Array {
  const out = new Float64Array(aRows * bRows);
  for (let i = 0; i < aRows; i++) {
    for (let j = 0; j < bRows; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) {
        s += (a[i * dim + k] as number) * (b[j * dim + k] as number);
      }
      out[i * bRows + j] = s;
    }
  }
  return out;
}

/**
 * One fold's coordinates under `global` scaling, from the dot products of all rows: centring on the
 * training mean μ gives `(xᵢ−μ)·(xⱼ−μ) = Kᵢⱼ − mᵢ − mⱼ + μ·μ` with `mᵢ = xᵢ·μ`, and the shared scale
 * is the root-mean-square of the centred training values, as `fitStandardizer` computes it.
 */
function foldCoordinatesGlobal(
  gram: Float64Array,
  n: number,
  dim: number,
  train: readonly number[],
  test: readonly number[],
): KernelCoordinates {
  const t = train.length;
  const m = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const j of train) {
      s += gram[i * n + j] as number;
    }
    m[i] = s / t;
  }
  let mu2 = 0;
  for (const j of train) {
    mu2 += m[j] as number;
  }
  mu2 /= t;
  const centred = (i: number, j: number): number =>
    (gram[i * n + j] as number) - (m[i] as number) - (m[j] as number) + mu2;
  let total = 0;
  for (const j of train) {
    total += centred(j, j);
  }
  const deviation = Math.sqrt(Math.max(0, total) / (t * dim));
  const scale2 = deviation > 1e-12 ? deviation * deviation : 1;
  const g = new Float64Array(t * t);
  train.forEach((i, a) => {
    train.forEach((j, b) => {
      g[a * t + b] = centred(i, j) / scale2;
    });
  });
  const cross = new Float64Array(test.length * t);
  test.forEach((i, a) => {
    train.forEach((j, b) => {
      cross[a * t + b] = centred(i, j) / scale2;
    });
  });
  return kernelCoordinates(g, t, cross, test.length);
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
    const every = Array.from({ length: n }, (_, i) => i);
    const inKernel = (input.kernel ?? true) && dim > Math.max(...trainRows.map((t) => t.length));
    // With one shared scale every fold's centred, scaled dot products follow from the raw ones.
    const gramAll =
      inKernel && input.scaling === 'global'
        ? gramOf(normalizeRows(stack(variant.vectors, every, dim), n, dim, input.normalize), n, dim)
        : undefined;
    for (let f = 0; f < folds.k; f++) {
      const train = trainRows[f] as number[];
      const test = testRows[f] as number[];
      const y = Int32Array.from(train, (r) => targets[r] as number);
      let trainSet: { x: Float64Array; y: Int32Array; rows: number; dim: number };
      let testX: Float64Array;
      if (gramAll !== undefined) {
        const coords = foldCoordinatesGlobal(gramAll, n, dim, train, test);
        trainSet = { x: coords.train, y, rows: train.length, dim: coords.rank };
        testX = coords.test;
      } else {
        const rawTrain = normalizeRows(
          stack(variant.vectors, train, dim),
          train.length,
          dim,
          input.normalize,
        );
        const standardizer =
          input.scaling === 'none'
            ? identityStandardizer(dim)
            : fitStandardizer(rawTrain, train.length, dim, input.scaling);
        const x = applyStandardizer(rawTrain, train.length, standardizer);
        const tx = applyStandardizer(
          normalizeRows(stack(variant.vectors, test, dim), test.length, dim, input.normalize),
          test.length,
          standardizer,
        );
        if (inKernel) {
          const coords = kernelCoordinates(
            gramOf(x, train.length, dim),
            train.length,
            crossOf(tx, test.length, x, train.length, dim),
            test.length,
          );
          trainSet = { x: coords.train, y, rows: train.length, dim: coords.rank };
          testX = coords.test;
        } else {
          trainSet = { x, y, rows: train.length, dim };
          testX = tx;
        }
      }
      const fitDim = trainSet.dim;
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
        init = new Float64Array(numClasses * fitDim + numClasses);
        init.set(layer.weight, 0);
        init.set(layer.bias, numClasses * fitDim);
        const logits = logitsOf(testX, test.length, fitDim, numClasses, init);
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
