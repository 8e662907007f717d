import type { CommonFitOptions, EpochRecord, FitResult, StopReason, TrainingSet } from './fit-types.ts';
import { sampleWeights } from './fit-types.ts';
import { gemmABt } from './gemm.ts';
import { SoftmaxObjective, type KernelKind } from './softmax-objective.ts';

/** Options of {@link fitLinearLbfgs}. */
export interface LbfgsOptions extends CommonFitOptions {
  /** Stop when every gradient component is at most this. @default 1e-4 (scikit-learn's `tol`) */
  readonly tolerance?: number;
  /** Curvature pairs kept. @default 10 */
  readonly memory?: number;
  /** Matrix-product kernel. @default 'wasm-simd' where the runtime has it, else 'js' */
  readonly kernel?: KernelKind;
}

/** Mean cross-entropy and accuracy of θ on a (validation) set. */
export function linearLossAndAccuracy(
  theta: Float64Array,
  set: TrainingSet,
  numClasses: number,
): { loss: number; accuracy: number } {
  const { x, y, rows, dim } = set;
  const biasOff = numClasses * dim;
  const z = new Float64Array(rows * numClasses);
  gemmABt(x, theta, z, rows, numClasses, dim);
  let loss = 0;
  let correct = 0;
  for (let i = 0; i < rows; i++) {
    const zo = i * numClasses;
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < numClasses; k++) {
      const s = (z[zo + k] as number) + (theta[biasOff + k] as number);
      z[zo + k] = s;
      if (s > max) {
        max = s;
        arg = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < numClasses; k++) {
      sum += Math.exp((z[zo + k] as number) - max);
    }
    loss += max + Math.log(sum) - (z[zo + (y[i] as number)] as number);
    correct += arg === y[i] ? 1 : 0;
  }
  return { loss: loss / Math.max(1, rows), accuracy: correct / Math.max(1, rows) };
}

function dot(a: Float64Array, b: Float64Array): number {
  let s0 = 0;
  let s1 = 0;
  let i = 0;
  for (; i + 1 < a.length; i += 2) {
    s0 += (a[i] as number) * (b[i] as number);
    s1 += (a[i + 1] as number) * (b[i + 1] as number);
  }
  if (i < a.length) {
    s0 += (a[i] as number) * (b[i] as number);
  }
  return s0 + s1;
}

/** `y += alpha·x`. */
function axpy(y: Float64Array, alpha: number, x: Float64Array): void {
  for (let i = 0; i < y.length; i++) {
    y[i] = (y[i] as number) + alpha * (x[i] as number);
  }
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
  const objective = new SoftmaxObjective(
    train,
    sampleWeights(train.y, options.classWeights),
    options.numClasses,
    options.l2,
    options.kernel,
  );
  try {
    return runLbfgs(objective, train, validation, options);
  } finally {
    objective.dispose();
  }
}

function runLbfgs(
  objective: SoftmaxObjective,
  train: TrainingSet,
  validation: TrainingSet | undefined,
  options: LbfgsOptions,
): FitResult {
  const c = options.numClasses;
  const dim = train.dim;
  const size = c * dim + c;
  const m = options.memory ?? 10;
  const tol = options.tolerance ?? 1e-4;

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
  let gamma = 1;

  let f = objective.evaluate(x, g);
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
    // Two-loop recursion: dir = −H·g, with H₀ = γ·I.
    dir.set(g);
    for (let k = 0; k < stored; k++) {
      const idx = (head - 1 - k + m) % m;
      const a = (rho[idx] as number) * dot(sMem[idx] as Float64Array, dir);
      alpha[idx] = a;
      axpy(dir, -a, yMem[idx] as Float64Array);
    }
    if (stored > 0) {
      for (let p = 0; p < size; p++) {
        dir[p] = (dir[p] as number) * gamma;
      }
    }
    for (let k = stored - 1; k >= 0; k--) {
      const idx = (head - 1 - k + m) % m;
      const beta = (rho[idx] as number) * dot(yMem[idx] as Float64Array, dir);
      axpy(dir, (alpha[idx] as number) - beta, sMem[idx] as Float64Array);
    }
    for (let p = 0; p < size; p++) {
      dir[p] = -(dir[p] as number);
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
      fNew = objective.evaluate(xNew, gNew);
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
      gamma = sy / dot(yv, yv);
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
