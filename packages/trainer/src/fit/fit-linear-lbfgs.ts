import type { CommonFitOptions, EpochRecord, FitResult, StopReason, TrainingSet } from './fit-types.ts';
import { sampleWeights } from './fit-types.ts';
import { SoftmaxObjective, type KernelKind } from './softmax-objective.ts';

/** Options of {@link fitLinearLbfgs}. */
export interface LbfgsOptions extends CommonFitOptions {
  /**
   * Stop when every component of the gradient of the mean loss is at most this.
   * @default 1e-4 (scikit-learn ≥ 1.4's `tol`; scikit-learn 1.2 applies its `tol` to the summed loss)
   */
  readonly tolerance?: number;
  /**
   * Also stop when an iteration lowers the summed loss `F = n·f` by at most this fraction:
   * `(F_k − F_k+1) / max(|F_k|, |F_k+1|, 1) ≤ decreaseTolerance`, scipy L-BFGS-B's `factr·eps`
   * test (2.2e-9 there, which scikit-learn 1.2 leaves at scipy's default). @default 1e-12
   */
  readonly decreaseTolerance?: number;
  /** Curvature pairs kept. @default 10 */
  readonly memory?: number;
  /** Kernels of the objective. @default 'wasm-simd' where the runtime has it, else 'js' */
  readonly kernel?: KernelKind;
}

/**
 * `dir = scale·(src + coef·u)`, returning `vᵀ·dir` (`src` may be `dir`): every pass of the
 * two-loop recursion, with the dot product it needs next fused in. Two accumulators, so the
 * additions do not wait on each other.
 */
function updateAndDot(
  dir: Float64Array,
  src: Float64Array,
  coef: number,
  u: Float64Array,
  scale: number,
  v: Float64Array,
): number {
  const n = dir.length;
  let acc0 = 0;
  let acc1 = 0;
  let p = 0;
  for (; p + 1 < n; p += 2) {
    const d0 = scale * ((src[p] as number) + coef * (u[p] as number));
    const d1 = scale * ((src[p + 1] as number) + coef * (u[p + 1] as number));
    dir[p] = d0;
    dir[p + 1] = d1;
    acc0 += (v[p] as number) * d0;
    acc1 += (v[p + 1] as number) * d1;
  }
  if (p < n) {
    const d0 = scale * ((src[p] as number) + coef * (u[p] as number));
    dir[p] = d0;
    acc0 += (v[p] as number) * d0;
  }
  return acc0 + acc1;
}

/**
 * The L-BFGS direction `dir = −H·g` by the two-loop recursion with `H₀ = γ·I`, the stored pairs
 * listed newest first in `order`. Each pair's dot product is fused into the previous pass over the
 * vectors, so it takes 2·stored + 1 passes instead of 4·stored + 3. Returns `gᵀ·dir`.
 */
function twoLoopDirection(
  g: Float64Array,
  dir: Float64Array,
  sMem: readonly Float64Array[],
  yMem: readonly Float64Array[],
  rho: Float64Array,
  alpha: Float64Array,
  order: Int32Array,
  stored: number,
  gamma: number,
): number {
  if (stored === 0) {
    return updateAndDot(dir, g, 0, g, -1, g);
  }
  // q = g, and s_newestᵀq.
  let acc = updateAndDot(dir, g, 0, g, 1, sMem[order[0] as number] as Float64Array);
  // First loop, newest → oldest: q −= α_k·y_k with α_k = ρ_k·s_kᵀq; then r = γ·q. The oldest
  // pair ends the first loop and starts the second, so its pass scales and takes y_kᵀr.
  for (let k = 0; k < stored; k++) {
    const idx = order[k] as number;
    const a = (rho[idx] as number) * acc;
    alpha[idx] = a;
    const y = yMem[idx] as Float64Array;
    acc =
      k + 1 < stored
        ? updateAndDot(dir, dir, -a, y, 1, sMem[order[k + 1] as number] as Float64Array)
        : updateAndDot(dir, dir, -a, y, gamma, y);
  }
  // Second loop, oldest → newest: r += (α_k − β_k)·s_k with β_k = ρ_k·y_kᵀr; then dir = −r.
  for (let k = stored - 1; k > 0; k--) {
    const idx = order[k] as number;
    const coef = (alpha[idx] as number) - (rho[idx] as number) * acc;
    acc = updateAndDot(
      dir,
      dir,
      coef,
      sMem[idx] as Float64Array,
      1,
      yMem[order[k - 1] as number] as Float64Array,
    );
  }
  const idx = order[0] as number;
  const coef = (alpha[idx] as number) - (rho[idx] as number) * acc;
  return updateAndDot(dir, dir, coef, sMem[idx] as Float64Array, -1, g);
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
  const validationObjective =
    validation === undefined
      ? undefined
      : new SoftmaxObjective(
          validation,
          new Float64Array(validation.rows),
          options.numClasses,
          0,
          options.kernel,
        );
  try {
    return runLbfgs(objective, validationObjective, train, options);
  } finally {
    objective.dispose();
    validationObjective?.dispose();
  }
}

function runLbfgs(
  objective: SoftmaxObjective,
  validation: SoftmaxObjective | undefined,
  train: TrainingSet,
  options: LbfgsOptions,
): FitResult {
  const c = options.numClasses;
  const dim = train.dim;
  const size = c * dim + c;
  const m = options.memory ?? 10;
  const tol = options.tolerance ?? 1e-4;
  const ftol = options.decreaseTolerance ?? 1e-12;
  const n = train.rows;

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
    bestVal = validation.lossAndAccuracy(x).loss;
  }

  let gMax = 0;
  for (let p = 0; p < size; p++) {
    gMax = Math.max(gMax, Math.abs(g[p] as number));
  }
  const order = new Int32Array(m);
  for (let iter = 1; iter <= options.maxEpochs; iter++) {
    if (gMax <= tol) {
      stopReason = 'converged';
      break;
    }
    for (let k = 0; k < stored; k++) {
      order[k] = (head - 1 - k + m) % m;
    }
    let gd = twoLoopDirection(g, dir, sMem, yMem, rho, alpha, order, stored, gamma);
    if (!(gd < 0)) {
      gd = twoLoopDirection(g, dir, sMem, yMem, rho, alpha, order, 0, gamma);
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
    // s = x⁺ − x, y = g⁺ − g, their products and the new gradient's largest component, in one pass.
    const sv = sMem[head] as Float64Array;
    const yv = yMem[head] as Float64Array;
    let sy = 0;
    let yy = 0;
    gMax = 0;
    for (let p = 0; p < size; p++) {
      const gp = gNew[p] as number;
      const sp = (xNew[p] as number) - (x[p] as number);
      const yp = gp - (g[p] as number);
      sv[p] = sp;
      yv[p] = yp;
      sy += sp * yp;
      yy += yp * yp;
      gMax = Math.max(gMax, Math.abs(gp));
    }
    if (sy > 1e-12) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      stored = Math.min(m, stored + 1);
      gamma = sy / yy;
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
      const v = validation.lossAndAccuracy(x);
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
    if ((fOld - f) * n <= ftol * Math.max(Math.abs(fOld) * n, Math.abs(f) * n, 1)) {
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
