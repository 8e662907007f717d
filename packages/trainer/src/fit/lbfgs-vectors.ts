import { acquireArena, releaseArena, type WasmArena } from './wasm-kernels.ts';

/**
 * The vectors of an L-BFGS run, addressed by slot number, with the one operation the two-loop
 * recursion needs: `dir = scale·(src + coef·u)`, returning `vᵀ·dir` (`src` may be `dir`). In
 * WebAssembly memory with a SIMD kernel where the runtime has it, else plain arrays; either way
 * `views[slot]` reads and writes a vector.
 */
export interface VectorBank {
  readonly views: readonly Float64Array[];
  updateAndDot(dir: number, src: number, coef: number, u: number, scale: number, v: number): number;
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

  constructor(slots: number, size: number) {
    this.views = Array.from({ length: slots }, () => new Float64Array(size));
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

  constructor(arena: WasmArena, slots: number, size: number) {
    // Each vector is padded to an even length; the padding stays 0 under every update.
    const padded = size + (size % 2);
    this.#arena = arena;
    this.#bytes = 8 * padded;
    this.#at = Int32Array.from({ length: slots }, () => arena.alloc(padded));
    this.views = Array.from(this.#at, (at) => arena.view(at, size));
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
  const bytes = slots * (8 * (size + (size % 2)) + 16);
  const arena = kernel === 'js' || bytes > 256 * 1024 * 1024 ? undefined : acquireArena(bytes);
  return arena === undefined ? new JsBank(slots, size) : new WasmBank(arena, slots, size);
}
