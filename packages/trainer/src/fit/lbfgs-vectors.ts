import { acquireArena, releaseArena, type WasmArena } from './wasm-kernels.ts';

/**
 * The vectors of an L-BFGS run, addressed by slot number, with the two passes it makes over them:
 * `dir = scale·(src + coef·u)` returning `vᵀ·dir` (`src` may be `dir`), and the curvature pair. In
 * WebAssembly memory with a SIMD kernel where the runtime has it, else plain arrays; either way
 * `views[slot]` reads and writes a vector.
 */
export interface VectorBank {
  readonly views: readonly Float64Array[];
  updateAndDot(dir: number, src: number, coef: number, u: number, scale: number, v: number): number;
  /** `s = x⁺ − x`, `y = g⁺ − g`; returns `[sᵀy, yᵀy, max|g⁺|]` (a buffer reused by the next call). */
  secantPair(s: number, y: number, xNew: number, x: number, gNew: number, g: number): Float64Array;
  dispose(): void;
}

/** `dir = scale·(src + coef·u)`, returning `vᵀ·dir`; two accumulators, so additions do not wait. */
export function updateAndDotJs(
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

class JsBank implements VectorBank {
  readonly views: readonly Float64Array[];
  readonly #out = new Float64Array(3);

  constructor(slots: number, size: number) {
    this.views = Array.from({ length: slots }, () => new Float64Array(size));
  }

  secantPair(s: number, y: number, xNew: number, x: number, gNew: number, g: number): Float64Array {
    const v = (at: number): Float64Array => this.views[at] as Float64Array;
    const [sv, yv, xn, xo, gn, go] = [v(s), v(y), v(xNew), v(x), v(gNew), v(g)];
    let sy = 0;
    let yy = 0;
    let gMax = 0;
    for (let p = 0; p < sv.length; p++) {
      const gp = gn[p] as number;
      const sp = (xn[p] as number) - (xo[p] as number);
      const yp = gp - (go[p] as number);
      sv[p] = sp;
      yv[p] = yp;
      sy += sp * yp;
      yy += yp * yp;
      gMax = Math.max(gMax, Math.abs(gp));
    }
    this.#out[0] = sy;
    this.#out[1] = yy;
    this.#out[2] = gMax;
    return this.#out;
  }

  updateAndDot(dir: number, src: number, coef: number, u: number, scale: number, v: number): number {
    const views = this.views;
    return updateAndDotJs(
      views[dir] as Float64Array,
      views[src] as Float64Array,
      coef,
      views[u] as Float64Array,
      scale,
      views[v] as Float64Array,
    );
  }

  dispose(): void {
    // Garbage-collected.
  }
}

class WasmBank implements VectorBank {
  readonly views: readonly Float64Array[];
  readonly #arena: WasmArena;
  readonly #at: Int32Array;
  readonly #bytes: number;
  readonly #outAt: number;
  readonly #out: Float64Array;

  constructor(arena: WasmArena, slots: number, size: number) {
    // Each vector is padded to an even length; the padding stays 0 under every update.
    const padded = size + (size % 2);
    this.#arena = arena;
    this.#bytes = 8 * padded;
    this.#at = Int32Array.from({ length: slots }, () => arena.alloc(padded));
    this.#outAt = arena.alloc(3);
    this.views = Array.from(this.#at, (at) => arena.view(at, size));
    this.#out = arena.view(this.#outAt, 3);
  }

  secantPair(s: number, y: number, xNew: number, x: number, gNew: number, g: number): Float64Array {
    const at = this.#at;
    this.#arena.secantPair(
      at[s] as number,
      at[y] as number,
      at[xNew] as number,
      at[x] as number,
      at[gNew] as number,
      at[g] as number,
      this.#outAt,
      this.#bytes,
    );
    return this.#out;
  }

  updateAndDot(dir: number, src: number, coef: number, u: number, scale: number, v: number): number {
    const at = this.#at;
    return this.#arena.updateAndDot(
      at[dir] as number,
      at[src] as number,
      at[u] as number,
      at[v] as number,
      coef,
      scale,
      this.#bytes,
    );
  }

  dispose(): void {
    releaseArena(this.#arena);
  }
}

/** `slots` zeroed vectors of `size` float64 values. */
export function vectorBank(
  slots: number,
  size: number,
  kernel: 'wasm-simd' | 'js' = 'wasm-simd',
): VectorBank {
  const bytes = slots * (8 * (size + (size % 2)) + 16) + 32;
  const arena = kernel === 'js' || bytes > 256 * 1024 * 1024 ? undefined : acquireArena(bytes);
  return arena === undefined ? new JsBank(slots, size) : new WasmBank(arena, slots, size);
}
