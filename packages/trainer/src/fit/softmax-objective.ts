import type { TrainingSet } from './fit-types.ts';
import { gemmABt, transposeInto } from './gemm.ts';
import { acquireArena, releaseArena, type WasmArena } from './wasm-gemm.ts';

/** Which matrix-product kernel an objective runs on. */
export type KernelKind = 'wasm-simd' | 'js';

/**
 * The two matrix products of one evaluation, over (possibly padded) buffers:
 * `scores[i·stride + k] = x_i · w_k` and `gradT[j·stride + k] = Σ_i coefT[k·rowStride + i] · x_ij`.
 */
interface Products {
  readonly kind: KernelKind;
  readonly scores: Float64Array;
  readonly coefT: Float64Array;
  readonly gradT: Float64Array;
  /** Row stride of `scores` and `gradT` (≥ C). */
  readonly stride: number;
  /** Row stride of `coefT` (≥ rows). */
  readonly rowStride: number;
  forward(theta: Float64Array): void;
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
  readonly coefT: Float64Array;
  readonly gradT: Float64Array;
  readonly stride: number;
  readonly rowStride: number;
  readonly #arena: WasmArena;
  readonly #w: Float64Array;
  readonly #dim: number;
  readonly #c: number;
  readonly #n4: number;
  readonly #d2: number;
  readonly #d4: number;
  readonly #at: { x: number; w: number; s: number; xt: number; coef: number; g: number };

  constructor(arena: WasmArena, set: TrainingSet, c: number) {
    const { x, rows, dim } = set;
    const n4 = up(rows, 4);
    const d2 = up(dim, 2);
    const d4 = up(dim, 4);
    const c2 = up(c, 2);
    this.#arena = arena;
    this.#dim = dim;
    this.#c = c;
    this.#n4 = n4;
    this.#d2 = d2;
    this.#d4 = d4;
    this.#at = {
      x: arena.alloc(n4 * d2),
      w: arena.alloc(c2 * d2),
      s: arena.alloc(n4 * c2),
      xt: arena.alloc(d4 * n4),
      coef: arena.alloc(c2 * n4),
      g: arena.alloc(d4 * c2),
    };
    const xv = arena.view(this.#at.x, n4 * d2);
    const xt = arena.view(this.#at.xt, d4 * n4);
    for (let i = 0; i < rows; i++) {
      for (let j = 0; j < dim; j++) {
        const v = x[i * dim + j] as number;
        xv[i * d2 + j] = v;
        xt[j * n4 + i] = v;
      }
    }
    this.#w = arena.view(this.#at.w, c2 * d2);
    this.scores = arena.view(this.#at.s, n4 * c2);
    this.coefT = arena.view(this.#at.coef, c2 * n4);
    this.gradT = arena.view(this.#at.g, d4 * c2);
    this.stride = c2;
    this.rowStride = n4;
  }

  static bytes(rows: number, dim: number, c: number): number {
    const n4 = up(rows, 4);
    const d4 = up(dim, 4);
    const c2 = up(c, 2);
    return 8 * (2 * n4 * d4 + c2 * d4 + 2 * n4 * c2 + d4 * c2) + 6 * 16;
  }

  forward(theta: Float64Array): void {
    const dim = this.#dim;
    for (let k = 0; k < this.#c; k++) {
      this.#w.set(theta.subarray(k * dim, (k + 1) * dim), k * this.#d2);
    }
    this.#arena.gemm(this.#at.x, this.#at.w, this.#at.s, this.#n4, this.stride, this.#d2);
  }

  backward(): void {
    this.#arena.gemm(this.#at.xt, this.#at.coef, this.#at.g, this.#d4, this.stride, this.#n4);
  }

  dispose(): void {
    releaseArena(this.#arena);
  }
}

/** The same products in JavaScript (register-blocked {@link gemmABt}). */
class JsProducts implements Products {
  readonly kind = 'js';
  readonly scores: Float64Array;
  readonly coefT: Float64Array;
  readonly gradT: Float64Array;
  readonly stride: number;
  readonly rowStride: number;
  readonly #x: Float64Array;
  readonly #xT: Float64Array;
  readonly #rows: number;
  readonly #dim: number;

  constructor(set: TrainingSet, c: number) {
    const { x, rows, dim } = set;
    this.#x = x;
    this.#xT = new Float64Array(rows * dim);
    transposeInto(x, this.#xT, rows, dim);
    this.#rows = rows;
    this.#dim = dim;
    this.scores = new Float64Array(rows * c);
    this.coefT = new Float64Array(c * rows);
    this.gradT = new Float64Array(dim * c);
    this.stride = c;
    this.rowStride = rows;
  }

  forward(theta: Float64Array): void {
    gemmABt(this.#x, theta, this.scores, this.#rows, this.stride, this.#dim);
  }

  backward(): void {
    gemmABt(this.#xT, this.coefT, this.gradT, this.#dim, this.stride, this.#rows);
  }

  dispose(): void {
    // Garbage-collected.
  }
}

/**
 * Softmax regression's objective over θ = [W (C×D row-major) | b (C)]: weighted mean
 * cross-entropy (`sw` sums to 1) plus `(l2 / 2)·‖W‖²` (biases are not penalised). Scores are
 * `S = X·Wᵀ + b` and the weight gradient `(P − Y)ᵀ·X`, both as register-blocked matrix products,
 * in WebAssembly SIMD where the runtime has it, else in JavaScript. Buffers are allocated once:
 * an evaluation allocates nothing. Call {@link dispose} when the fit is done.
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
      arena === undefined ? new JsProducts(set, numClasses) : new WasmProducts(arena, set, numClasses);
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
    const { scores, coefT, gradT, stride, rowStride } = pr;
    const y = this.#y;
    const sw = this.#sw;
    const rows = this.#rows;
    const dim = this.#dim;
    const c = this.#c;
    const l2 = this.#l2;
    const biasOff = c * dim;
    pr.forward(theta);
    let loss = 0;
    for (let k = 0; k < c; k++) {
      grad[biasOff + k] = 0;
    }
    for (let i = 0; i < rows; i++) {
      const so = i * stride;
      let max = -Infinity;
      for (let k = 0; k < c; k++) {
        const s = (scores[so + k] as number) + (theta[biasOff + k] as number);
        scores[so + k] = s;
        if (s > max) {
          max = s;
        }
      }
      const yi = y[i] as number;
      const wi = sw[i] as number;
      const zy = (scores[so + yi] as number) - max;
      let sum = 0;
      for (let k = 0; k < c; k++) {
        const e = Math.exp((scores[so + k] as number) - max);
        scores[so + k] = e;
        sum += e;
      }
      // −log p_y = log Σ_k exp(s_k − max) − (s_y − max)
      loss += wi * (Math.log(sum) - zy);
      const scale = wi / sum;
      for (let k = 0; k < c; k++) {
        const coef = (scores[so + k] as number) * scale - (k === yi ? wi : 0);
        coefT[k * rowStride + i] = coef;
        grad[biasOff + k] = (grad[biasOff + k] as number) + coef;
      }
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
    const biasOff = c * this.#dim;
    pr.forward(theta);
    let loss = 0;
    let correct = 0;
    for (let i = 0; i < rows; i++) {
      const so = i * stride;
      let max = -Infinity;
      let arg = 0;
      for (let k = 0; k < c; k++) {
        const s = (scores[so + k] as number) + (theta[biasOff + k] as number);
        scores[so + k] = s;
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
