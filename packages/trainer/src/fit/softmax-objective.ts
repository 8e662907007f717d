import type { TrainingSet } from './fit-types.ts';
import { gemmABt, transposeInto } from './gemm.ts';
import { acquireArena, expTable, releaseArena, type WasmArena } from './wasm-kernels.ts';

/** Which kernels an objective runs on. */
export type KernelKind = 'wasm-simd' | 'js';

/**
 * One evaluation's heavy parts over (possibly padded) buffers. The features carry an extra
 * column of ones, so the biases ride along as the last column of W:
 * `scores[i·stride + k] = x_i·w_k + b_k` (forward), the per-row softmax (see
 * `softmaxCode` in wasm-kernels.ts), and `gradT[j·stride + k] = Σ_i coefT[k·rowStride + i]·x_ij`
 * (backward), whose row `dim` is the bias gradient.
 */
interface Products {
  readonly kind: KernelKind;
  readonly scores: Float64Array;
  readonly sums: Float64Array;
  readonly gradT: Float64Array;
  /** Row stride of `scores` and `gradT` (≥ C). */
  readonly stride: number;
  forward(theta: Float64Array): void;
  /** Fills exps, `sums` and the residuals; returns `Σᵢ wᵢ·(s_i,yᵢ − maxᵢ)`. */
  softmax(): number;
  backward(): void;
  dispose(): void;
}

const up = (n: number, to: number): number => Math.ceil(n / to) * to;

/** Arrays bigger than this stay in JavaScript (a WebAssembly memory holds at most 4 GiB). */
const maxWasmBytes = 1024 * 1024 * 1024;

/** The products in WebAssembly SIMD; every operand is zero-padded to the kernel's block sizes. */
class WasmProducts implements Products {
  readonly kind = 'wasm-simd';
  readonly scores: Float64Array;
  readonly sums: Float64Array;
  readonly gradT: Float64Array;
  readonly stride: number;
  readonly #arena: WasmArena;
  readonly #w: Float64Array;
  readonly #dim: number;
  readonly #c: number;
  readonly #rows: number;
  readonly #n4: number;
  readonly #dp: number;
  readonly #d4: number;
  readonly #at: WasmLayout;

  constructor(arena: WasmArena, set: TrainingSet, sw: Float64Array, c: number) {
    const { x, y, rows, dim } = set;
    const { n4, dp, d4, c2 } = WasmProducts.shape(rows, dim, c);
    this.#arena = arena;
    this.#dim = dim;
    this.#c = c;
    this.#rows = rows;
    this.#n4 = n4;
    this.#dp = dp;
    this.#d4 = d4;
    this.#at = {
      x: arena.alloc(n4 * dp),
      w: arena.alloc(c2 * dp),
      s: arena.alloc(n4 * c2),
      xt: arena.alloc(d4 * n4),
      coef: arena.alloc(c2 * n4),
      g: arena.alloc(d4 * c2),
      y: arena.alloc(Math.ceil(rows / 2)),
      sw: arena.alloc(rows),
      sums: arena.alloc(rows),
      table: arena.alloc(expTable.length),
    };
    arena.view(this.#at.table, expTable.length).set(expTable);
    const xv = arena.view(this.#at.x, n4 * dp);
    const xt = arena.view(this.#at.xt, d4 * n4);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < dim; j++) {
        const v = x[i * dim + j] as number;
        xv[i * dp + j] = v;
        xt[j * n4 + i] = v;
      }
      xv[i * dp + dim] = 1;
      xt[dim * n4 + i] = 1;
    }
    arena.viewInt32(this.#at.y, rows).set(y);
    arena.view(this.#at.sw, rows).set(sw);
    this.#w = arena.view(this.#at.w, c2 * dp);
    this.scores = arena.view(this.#at.s, n4 * c2);
    this.sums = arena.view(this.#at.sums, rows);
    this.gradT = arena.view(this.#at.g, d4 * c2);
    this.stride = c2;
  }

  static shape(rows: number, dim: number, c: number): { n4: number; dp: number; d4: number; c2: number } {
    return { n4: up(rows, 4), dp: up(dim + 1, 2), d4: up(dim + 1, 4), c2: up(c, 2) };
  }

  static bytes(rows: number, dim: number, c: number): number {
    const { n4, d4, c2 } = WasmProducts.shape(rows, dim, c);
    return 8 * (2 * n4 * d4 + c2 * d4 + 2 * n4 * c2 + d4 * c2 + 3 * rows + 32) + 10 * 16;
  }

  forward(theta: Float64Array): void {
    const dim = this.#dim;
    const c = this.#c;
    const dp = this.#dp;
    for (let k = 0; k < c; k++) {
      this.#w.set(theta.subarray(k * dim, (k + 1) * dim), k * dp);
      this.#w[k * dp + dim] = theta[c * dim + k] as number;
    }
    this.#arena.gemm(this.#at.x, this.#at.w, this.#at.s, this.#n4, this.stride, dp);
  }

  softmax(): number {
    const at = this.#at;
    return this.#arena.softmax(
      at.s,
      at.coef,
      at.y,
      at.sw,
      at.sums,
      this.#rows,
      this.stride,
      this.#n4,
      this.#c,
      at.table,
    );
  }

  backward(): void {
    this.#arena.gemm(this.#at.xt, this.#at.coef, this.#at.g, this.#d4, this.stride, this.#n4);
  }

  dispose(): void {
    releaseArena(this.#arena);
  }
}

interface WasmLayout {
  readonly x: number;
  readonly w: number;
  readonly s: number;
  readonly xt: number;
  readonly coef: number;
  readonly g: number;
  readonly y: number;
  readonly sw: number;
  readonly sums: number;
  readonly table: number;
}

/** The same in JavaScript (register-blocked {@link gemmABt}, `Math.exp`). */
class JsProducts implements Products {
  readonly kind = 'js';
  readonly scores: Float64Array;
  readonly sums: Float64Array;
  readonly gradT: Float64Array;
  readonly stride: number;
  readonly #x: Float64Array;
  readonly #xT: Float64Array;
  readonly #w: Float64Array;
  readonly #coefT: Float64Array;
  readonly #y: Int32Array;
  readonly #sw: Float64Array;
  readonly #rows: number;
  readonly #dim: number;

  constructor(set: TrainingSet, sw: Float64Array, c: number) {
    const { x, y, rows, dim } = set;
    const d1 = dim + 1;
    this.#x = new Float64Array(rows * d1);
    for (let i = 0; i < rows; i++) {
      this.#x.set(x.subarray(i * dim, (i + 1) * dim), i * d1);
      this.#x[i * d1 + dim] = 1;
    }
    this.#xT = new Float64Array(rows * d1);
    transposeInto(this.#x, this.#xT, rows, d1);
    this.#w = new Float64Array(c * d1);
    this.#coefT = new Float64Array(c * rows);
    this.#y = y;
    this.#sw = sw;
    this.#rows = rows;
    this.#dim = dim;
    this.scores = new Float64Array(rows * c);
    this.sums = new Float64Array(rows);
    this.gradT = new Float64Array(d1 * c);
    this.stride = c;
  }

  forward(theta: Float64Array): void {
    const dim = this.#dim;
    const c = this.stride;
    for (let k = 0; k < c; k++) {
      this.#w.set(theta.subarray(k * dim, (k + 1) * dim), k * (dim + 1));
      this.#w[k * (dim + 1) + dim] = theta[c * dim + k] as number;
    }
    gemmABt(this.#x, this.#w, this.scores, this.#rows, c, dim + 1);
  }

  softmax(): number {
    const { scores, sums } = this;
    const coefT = this.#coefT;
    const y = this.#y;
    const sw = this.#sw;
    const rows = this.#rows;
    const c = this.stride;
    let acc = 0;
    for (let i = 0; i < rows; i++) {
      const so = i * c;
      let max = -Infinity;
      for (let k = 0; k < c; k++) {
        max = Math.max(max, scores[so + k] as number);
      }
      const yi = y[i] as number;
      const wi = sw[i] as number;
      acc += wi * ((scores[so + yi] as number) - max);
      let sum = 0;
      for (let k = 0; k < c; k++) {
        const e = Math.exp((scores[so + k] as number) - max);
        scores[so + k] = e;
        sum += e;
      }
      sums[i] = sum;
      const q = wi / sum;
      for (let k = 0; k < c; k++) {
        coefT[k * rows + i] = (scores[so + k] as number) * q - (k === yi ? wi : 0);
      }
    }
    return acc;
  }

  backward(): void {
    gemmABt(this.#xT, this.#coefT, this.gradT, this.#dim + 1, this.stride, this.#rows);
  }

  dispose(): void {
    // Garbage-collected.
  }
}

/**
 * Softmax regression's objective over θ = [W (C×D row-major) | b (C)]: weighted mean
 * cross-entropy (`sw` sums to 1) plus `(l2 / 2)·‖W‖²` (biases are not penalised). Scores are
 * `S = X·Wᵀ + b` and the gradient `(P − Y)ᵀ·[X 1]`, both as register-blocked matrix products, with
 * the per-row softmax in between: in WebAssembly SIMD where the runtime has it, else in
 * JavaScript. Buffers are allocated once: an evaluation allocates nothing. Call {@link dispose}
 * when the fit is done.
 */
export class SoftmaxObjective {
  readonly #products: Products;
  readonly #y: Int32Array;
  readonly #sw: Float64Array;
  readonly #rows: number;
  readonly #dim: number;
  readonly #c: number;
  readonly #l2: number;

  constructor(set: TrainingSet, sw: Float64Array, numClasses: number, l2: number, kernel?: KernelKind) {
    const bytes = WasmProducts.bytes(set.rows, set.dim, numClasses);
    const arena = kernel === 'js' || bytes > maxWasmBytes ? undefined : acquireArena(bytes);
    this.#products =
      arena === undefined
        ? new JsProducts(set, sw, numClasses)
        : new WasmProducts(arena, set, sw, numClasses);
    this.#y = set.y;
    this.#sw = sw;
    this.#rows = set.rows;
    this.#dim = set.dim;
    this.#c = numClasses;
    this.#l2 = l2;
  }

  /** The kernel in use. */
  get kernel(): KernelKind {
    return this.#products.kind;
  }

  /** Returns `f(θ)` and writes `∇f(θ)` into `grad` (both of length C·D + C). */
  evaluate(theta: Float64Array, grad: Float64Array): number {
    const pr = this.#products;
    const { sums, gradT, stride } = pr;
    const sw = this.#sw;
    const rows = this.#rows;
    const dim = this.#dim;
    const c = this.#c;
    const l2 = this.#l2;
    pr.forward(theta);
    // −log p_y = log Σ_k exp(s_k − max) − (s_y − max)
    let loss = -pr.softmax();
    for (let i = 0; i < rows; i++) {
      loss += (sw[i] as number) * Math.log(sums[i] as number);
    }
    pr.backward();
    let penalty = 0;
    for (let k = 0; k < c; k++) {
      const ko = k * dim;
      for (let j = 0; j < dim; j++) {
        const t = theta[ko + j] as number;
        penalty += t * t;
        grad[ko + j] = (gradT[j * stride + k] as number) + l2 * t;
      }
      grad[c * dim + k] = gradT[dim * stride + k] as number;
    }
    return loss + 0.5 * l2 * penalty;
  }

  /** Unweighted mean cross-entropy (no penalty) and accuracy of θ on this set, e.g. for validation. */
  lossAndAccuracy(theta: Float64Array): { loss: number; accuracy: number } {
    const pr = this.#products;
    const { scores, stride } = pr;
    const y = this.#y;
    const rows = this.#rows;
    const c = this.#c;
    pr.forward(theta);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < rows; i++) {
      const so = i * stride;
      let max = -Infinity;
      let arg = 0;
      for (let k = 0; k < c; k++) {
        const s = scores[so + k] as number;
        if (s > max) {
          max = s;
          arg = k;
        }
      }
      let sum = 0;
      for (let k = 0; k < c; k++) {
        sum += Math.exp((scores[so + k] as number) - max);
      }
      const yi = y[i] as number;
      loss += max + Math.log(sum) - (scores[so + yi] as number);
      correct += arg === yi ? 1 : 0;
    }
    return { loss: loss / Math.max(1, rows), accuracy: correct / Math.max(1, rows) };
  }

  /** Gives the WebAssembly memory back for the next fit. */
  dispose(): void {
    this.#products.dispose();
  }
}
