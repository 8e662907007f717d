import type { CommonFitOptions, EpochRecord, FitResult, StopReason, TrainingSet } from './fit-types.ts';
import { sampleWeights } from './fit-types.ts';

/** Options of {@link fitLinearLbfgs}. */
export interface LbfgsOptions extends CommonFitOptions {
  /** Stop when every gradient component is at most this. @default 1e-4 (scikit-learn's `tol`) */
  readonly tolerance?: number;
  /** Curvature pairs kept. @default 10 */
  readonly memory?: number;
}

/** `Σ a[ao+j]·b[bo+j]` for j < n, unrolled by four (the fit's hot loop). */
function dotAt(a: Float64Array, ao: number, b: Float64Array, bo: number, n: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < n; j += 4) {
    s0 += (a[ao + j] as number) * (b[bo + j] as number);
    s1 += (a[ao + j + 1] as number) * (b[bo + j + 1] as number);
    s2 += (a[ao + j + 2] as number) * (b[bo + j + 2] as number);
    s3 += (a[ao + j + 3] as number) * (b[bo + j + 3] as number);
  }
  for (; j < n; j++) {
    s0 += (a[ao + j] as number) * (b[bo + j] as number);
  }
  return s0 + s1 + (s2 + s3);
}

/** `y[yo+j] += alpha·x[xo+j]` for j < n, unrolled by four. */
function axpyAt(y: Float64Array, yo: number, alpha: number, x: Float64Array, xo: number, n: number): void {
  let j = 0;
  for (; j + 3 < n; j += 4) {
    y[yo + j] = (y[yo + j] as number) + alpha * (x[xo + j] as number);
    y[yo + j + 1] = (y[yo + j + 1] as number) + alpha * (x[xo + j + 1] as number);
    y[yo + j + 2] = (y[yo + j + 2] as number) + alpha * (x[xo + j + 2] as number);
    y[yo + j + 3] = (y[yo + j + 3] as number) + alpha * (x[xo + j + 3] as number);
  }
  for (; j < n; j++) {
    y[yo + j] = (y[yo + j] as number) + alpha * (x[xo + j] as number);
  }
}

/**
 * Softmax regression's loss and gradient over θ = [W (C×D) | b (C)], written into `grad`.
 * Buffers come from the caller, so an L-BFGS iteration allocates nothing.
 */
function makeObjective(
  set: TrainingSet,
  sw: Float64Array,
  numClasses: number,
  l2: number,
): (theta: Float64Array, grad: Float64Array) => number {
  const { x, y, rows, dim } = set;
  const c = numClasses;
  const biasOff = c * dim;
  const z = new Float64Array(c);
  return (theta, grad) => {
    grad.fill(0);
    let loss = 0;
    for (let i = 0; i < rows; i++) {
      const xo = i * dim;
      let max = -Infinity;
      for (let k = 0; k < c; k++) {
        const s = (theta[biasOff + k] as number) + dotAt(theta, k * dim, x, xo, dim);
        z[k] = s;
        if (s > max) {
          max = s;
        }
      }
      const yi = y[i] as number;
      const zy = z[yi] as number;
      let sum = 0;
      for (let k = 0; k < c; k++) {
        const e = Math.exp((z[k] as number) - max);
        z[k] = e;
        sum += e;
      }
      const wi = sw[i] as number;
      loss += wi * (max + Math.log(sum) - zy);
      const inv = 1 / sum;
      for (let k = 0; k < c; k++) {
        const coef = wi * ((z[k] as number) * inv - (k === yi ? 1 : 0));
        grad[biasOff + k] = (grad[biasOff + k] as number) + coef;
        axpyAt(grad, k * dim, coef, x, xo, dim);
      }
    }
    for (let p = 0; p < biasOff; p++) {
      const t = theta[p] as number;
      loss += 0.5 * l2 * t * t;
      grad[p] = (grad[p] as number) + l2 * t;
    }
    return loss;
  };
}

/** Mean cross-entropy and accuracy of θ on a (validation) set. */
export function linearLossAndAccuracy(
  theta: Float64Array,
  set: TrainingSet,
  numClasses: number,
): { loss: number; accuracy: number } {
  const { x, y, rows, dim } = set;
  const biasOff = numClasses * dim;
  const z = new Float64Array(numClasses);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < numClasses; k++) {
      let s = theta[biasOff + k] as number;
      for (let j = 0; j < dim; j++) {
        s += (theta[k * dim + j] as number) * (x[i * dim + j] as number);
      }
      z[k] = s;
      if (s > max) {
        max = s;
        arg = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      sum += Math.exp((z[k] as number) - max);
    }
    loss += max + Math.log(sum) - (z[y[i] as number] as number);
    correct += arg === y[i] ? 1 : 0;
  }
  return { loss: loss / Math.max(1, rows), accuracy: correct / Math.max(1, rows) };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    s += (a[i] as number) * (b[i] as number);
  }
  return s;
}

/**
 * Fits softmax regression with full-batch L-BFGS (two-loop recursion, Armijo backtracking) from
 * zero weights: no randomness at all, so it is deterministic. With a validation set, it keeps the
 * iterate with the lowest validation loss and stops after `patience` iterations without one.
 */
export function fitLinearLbfgs(
  train: TrainingSet,
  validation: TrainingSet | undefined,
  options: LbfgsOptions,
): FitResult {
  const c = options.numClasses;
  const dim = train.dim;
  const size = c * dim + c;
  const m = options.memory ?? 10;
  const tol = options.tolerance ?? 1e-4;
  const objective = makeObjective(train, sampleWeights(train.y, options.classWeights), c, options.l2);

  let x = new Float64Array(size);
  let g = new Float64Array(size);
  let xNew = new Float64Array(size);
  let gNew = new Float64Array(size);
  const dir = new Float64Array(size);
  const sMem = Array.from({ length: m }, () => new Float64Array(size));
  const yMem = Array.from({ length: m }, () => new Float64Array(size));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0;
  let head = 0;

  let f = objective(x, g);
  const history: EpochRecord[] = [];
  let best = Float64Array.from(x);
  let bestEpoch = 0;
  let bestVal = Infinity;
  let sinceBest = 0;
  let stopReason: StopReason = 'max-epochs';
  if (validation !== undefined) {
    bestVal = linearLossAndAccuracy(x, validation, c).loss;
  }

  for (let iter = 1; iter <= options.maxEpochs; iter++) {
    let gMax = 0;
    for (let p = 0; p < size; p++) {
      gMax = Math.max(gMax, Math.abs(g[p] as number));
    }
    if (gMax <= tol) {
      stopReason = 'converged';
      break;
    }
    // Two-loop recursion: dir = −H·g.
    for (let p = 0; p < size; p++) {
      dir[p] = -(g[p] as number);
    }
    for (let k = 0; k < stored; k++) {
      const idx = (head - 1 - k + m) % m;
      const a = (rho[idx] as number) * dot(sMem[idx] as Float64Array, dir);
      alpha[idx] = a;
      const yv = yMem[idx] as Float64Array;
      for (let p = 0; p < size; p++) {
        dir[p] = (dir[p] as number) - a * (yv[p] as number);
      }
    }
    if (stored > 0) {
      const last = (head - 1 + m) % m;
      const yl = yMem[last] as Float64Array;
      const gamma = dot(sMem[last] as Float64Array, yl) / dot(yl, yl);
      for (let p = 0; p < size; p++) {
        dir[p] = (dir[p] as number) * gamma;
      }
    }
    for (let k = stored - 1; k >= 0; k--) {
      const idx = (head - 1 - k + m) % m;
      const beta = (rho[idx] as number) * dot(yMem[idx] as Float64Array, dir);
      const sv = sMem[idx] as Float64Array;
      const coef = (alpha[idx] as number) - beta;
      for (let p = 0; p < size; p++) {
        dir[p] = (dir[p] as number) + coef * (sv[p] as number);
      }
    }
    let gd = dot(g, dir);
    if (!(gd < 0)) {
      for (let p = 0; p < size; p++) {
        dir[p] = -(g[p] as number);
      }
      gd = -dot(g, g);
      stored = 0;
    }
    let step = stored === 0 && iter === 1 ? Math.min(1, 1 / Math.sqrt(-gd)) : 1;
    let fNew: number;
    for (;;) {
      for (let p = 0; p < size; p++) {
        xNew[p] = (x[p] as number) + step * (dir[p] as number);
      }
      fNew = objective(xNew, gNew);
      if (fNew <= f + 1e-4 * step * gd) {
        break;
      }
      step *= 0.5;
      if (step < 1e-12) {
        break;
      }
    }
    if (!(fNew <= f + 1e-4 * step * gd)) {
      stopReason = 'line-search';
      break;
    }
    const sv = sMem[head] as Float64Array;
    const yv = yMem[head] as Float64Array;
    for (let p = 0; p < size; p++) {
      sv[p] = (xNew[p] as number) - (x[p] as number);
      yv[p] = (gNew[p] as number) - (g[p] as number);
    }
    const sy = dot(sv, yv);
    if (sy > 1e-12) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      stored = Math.min(m, stored + 1);
    }
    [x, xNew] = [xNew, x];
    [g, gNew] = [gNew, g];
    const fOld = f;
    f = fNew;

    if (validation === undefined) {
      history.push({ epoch: iter, trainLoss: f });
      options.onEpoch?.({ epoch: iter, trainLoss: f });
      bestEpoch = iter;
    } else {
      const v = linearLossAndAccuracy(x, validation, c);
      const record = { epoch: iter, trainLoss: f, valLoss: v.loss, valAccuracy: v.accuracy };
      history.push(record);
      options.onEpoch?.(record);
      if (v.loss < bestVal) {
        bestVal = v.loss;
        best.set(x);
        bestEpoch = iter;
        sinceBest = 0;
      } else if (++sinceBest >= options.patience) {
        stopReason = 'early-stopping';
        break;
      }
    }
    if (fOld - f <= 1e-12 * Math.max(1, Math.abs(f))) {
      stopReason = 'converged';
      break;
    }
  }
  if (validation === undefined) {
    best = x;
  }
  return {
    layers: [{ weight: best.slice(0, c * dim), bias: best.slice(c * dim), inDim: dim, outDim: c }],
    history,
    bestEpoch,
    stopReason,
  };
}
