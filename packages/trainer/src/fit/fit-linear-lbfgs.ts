import type { CommonFitOptions, EpochRecord, FitResult, StopReason, TrainingSet } from './fit-types.ts';
import { sampleWeights } from './fit-types.ts';
import { vectorBank, type VectorBank } from './lbfgs-vectors.ts';
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
  /**
   * Start from these parameters (`[classes × dim weights, classes biases]`, standardised space)
   * instead of zeros: a warm start along a path of L2 strengths. @default zeros
   */
  readonly init?: Float64Array;
}

/** Slots of the L-BFGS vectors in a {@link VectorBank}; pair k's s and y follow. */
const slot = { x: 0, g: 1, xNew: 2, gNew: 3, dir: 4, pairs: 5 } as const;

/**
 * The L-BFGS direction `dir = −H·g` by the two-loop recursion with `H₀ = γ·I`, the stored pairs
 * listed newest first in `order` (pair k's vectors in slots `sAt(k)` and `yAt(k)`). Each pair's
 * dot product is fused into the previous pass over the vectors, so it takes 2·stored + 1 passes
 * instead of 4·stored + 3. Returns `gᵀ·dir`.
 */
function twoLoopDirection(
  bank: VectorBank,
  g: number,
  sAt: (k: number) => number,
  yAt: (k: number) => number,
  rho: Float64Array,
  alpha: Float64Array,
  order: Int32Array,
  stored: number,
  gamma: number,
): number {
  const dir = slot.dir;
  if (stored === 0) {
    return bank.updateAndDot(dir, g, 0, g, -1, g);
  }
  // q = g, and s_newestᵀq.
  let acc = bank.updateAndDot(dir, g, 0, g, 1, sAt(order[0] as number));
  // First loop, newest → oldest: q −= α_k·y_k with α_k = ρ_k·s_kᵀq; then r = γ·q. The oldest
  // pair ends the first loop and starts the second, so its pass scales and takes y_kᵀr.
  for (let k = 0; k < stored; k++) {
    const idx = order[k] as number;
    const a = (rho[idx] as number) * acc;
    alpha[idx] = a;
    acc =
      k + 1 < stored
        ? bank.updateAndDot(dir, dir, -a, yAt(idx), 1, sAt(order[k + 1] as number))
        : bank.updateAndDot(dir, dir, -a, yAt(idx), gamma, yAt(idx));
  }
  // Second loop, oldest → newest: r += (α_k − β_k)·s_k with β_k = ρ_k·y_kᵀr; then dir = −r.
  for (let k = stored - 1; k > 0; k--) {
    const idx = order[k] as number;
    const coef = (alpha[idx] as number) - (rho[idx] as number) * acc;
    acc = bank.updateAndDot(dir, dir, coef, sAt(idx), 1, yAt(order[k - 1] as number));
  }
  const idx = order[0] as number;
  const coef = (alpha[idx] as number) - (rho[idx] as number) * acc;
  return bank.updateAndDot(dir, dir, coef, sAt(idx), -1, g);
}

/**
 * Fits softmax regression with full-batch L-BFGS (two-loop recursion, Armijo backtracking) from
 * zero weights (or `options.init`): no randomness at all, so it is deterministic. With a validation set, it keeps the
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
  const m = options.memory ?? 10;
  const bank = vectorBank(
    slot.pairs + 2 * m,
    options.numClasses * train.dim + options.numClasses,
    options.kernel,
  );
  try {
    return runLbfgs(objective, validationObjective, bank, train, options);
  } finally {
    objective.dispose();
    validationObjective?.dispose();
    bank.dispose();
  }
}

function runLbfgs(
  objective: SoftmaxObjective,
  validation: SoftmaxObjective | undefined,
  bank: VectorBank,
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

  const sAt = (k: number): number => slot.pairs + k;
  const yAt = (k: number): number => slot.pairs + m + k;
  const view = (at: number): Float64Array => bank.views[at] as Float64Array;
  // Slots and views of x, g, x⁺, g⁺; an accepted step swaps x ↔ x⁺ and g ↔ g⁺.
  let xs: number = slot.x;
  let gs: number = slot.g;
  let xns: number = slot.xNew;
  let gns: number = slot.gNew;
  let x = view(xs);
  let g = view(gs);
  let xNew = view(xns);
  let gNew = view(gns);
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let stored = 0;
  let head = 0;
  let gamma = 1;

  if (options.init !== undefined && options.init.length === size) {
    x.set(options.init);
  }
  let f = objective.evaluate(x, g);
  const history: EpochRecord[] = [];
  let best: Float64Array = Float64Array.from(x);
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
    let gd = twoLoopDirection(bank, gs, sAt, yAt, rho, alpha, order, stored, gamma);
    if (!(gd < 0)) {
      gd = twoLoopDirection(bank, gs, sAt, yAt, rho, alpha, order, 0, gamma);
      stored = 0;
    }
    let step = stored === 0 && iter === 1 ? Math.min(1, 1 / Math.sqrt(-gd)) : 1;
    let fNew: number;
    for (;;) {
      // x⁺ = x + step·dir (the dot product it returns is not needed)
      bank.updateAndDot(xns, xs, step, slot.dir, 1, slot.dir);
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
    const pair = bank.secantPair(sAt(head), yAt(head), xns, xs, gns, gs);
    const sy = pair[0] as number;
    const yy = pair[1] as number;
    gMax = pair[2] as number;
    if (sy > 1e-12) {
      rho[head] = 1 / sy;
      head = (head + 1) % m;
      stored = Math.min(m, stored + 1);
      gamma = sy / yy;
    }
    [xs, xns] = [xns, xs];
    [gs, gns] = [gns, gs];
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
  // Copies: the bank's memory goes to the next fit.
  return {
    layers: [{ weight: best.slice(0, c * dim), bias: best.slice(c * dim), inDim: dim, outDim: c }],
    history,
    bestEpoch,
    stopReason,
  };
}
