import { describe, expect, it } from 'vitest';

import { SeededRandom } from '../random/seeded-random.ts';
import { gemmABt } from './gemm.ts';
import {
  acquireArena,
  expTable,
  kernelModuleBytes,
  releaseArena,
  wasmKernelsAvailable,
} from './wasm-kernels.ts';

describe('WebAssembly SIMD gemm', () => {
  it('assembles a module that this runtime validates', () => {
    const bytes = kernelModuleBytes();
    expect(Array.from(bytes.subarray(0, 4))).toEqual([0x00, 0x61, 0x73, 0x6d]);
    expect(wasmKernelsAvailable()).toBe(true);
  });

  it('agrees with the JavaScript kernel on padded shapes', () => {
    const rng = new SeededRandom(3);
    for (const [m, p, k] of [
      [4, 2, 2],
      [12, 10, 120],
      [120, 10, 52],
    ] as const) {
      const arena = acquireArena(8 * (m * k + p * k + m * p) + 64);
      expect(arena).toBeDefined();
      if (arena === undefined) {
        return;
      }
      const aAt = arena.alloc(m * k);
      const bAt = arena.alloc(p * k);
      const outAt = arena.alloc(m * p);
      const a = arena.view(aAt, m * k);
      const b = arena.view(bAt, p * k);
      a.set(Float64Array.from({ length: m * k }, () => rng.normal()));
      b.set(Float64Array.from({ length: p * k }, () => rng.normal()));
      arena.gemm(aAt, bAt, outAt, m, p, k);
      const want = new Float64Array(m * p);
      gemmABt(a, b, want, m, p, k);
      const got = arena.view(outAt, m * p);
      for (let q = 0; q < want.length; q++) {
        expect(Math.abs((got[q] ?? Number.NaN) - (want[q] ?? 0))).toBeLessThan(1e-12);
      }
      releaseArena(arena);
    }
  });

  it('hands a released arena back zero-filled', () => {
    const first = acquireArena(1024);
    expect(first).toBeDefined();
    if (first === undefined) {
      return;
    }
    const at = first.alloc(16);
    first.view(at, 16).fill(5);
    releaseArena(first);
    const again = acquireArena(1024);
    expect(again).toBe(first);
    expect(Array.from(again?.view(again.alloc(16), 16) ?? [])).toEqual(new Array<number>(16).fill(0));
    // A nested fit while one is running gets its own arena.
    expect(acquireArena(1024)).not.toBe(again);
  });

  it('softmax: its exp is within 4 ulp of Math.exp from 0 down to −708, and 0-ish below', () => {
    const rng = new SeededRandom(5);
    const rows = 4000;
    const d = Float64Array.from({ length: rows }, (_, i) =>
      i < 8 ? ([0, -1e-300, -0.5, -708, -745, -1e4, -20, -1][i] ?? 0) : -rng.next() * (i % 2 === 0 ? 5 : 708),
    );
    const arena = acquireArena(8 * (6 * rows + 64) + 1024);
    expect(arena).toBeDefined();
    if (arena === undefined) {
      return;
    }
    // Each row is [0, d]: the max is 0, so the kernel leaves [1, exp(d)] in place.
    const s = arena.alloc(2 * rows);
    const coef = arena.alloc(2 * rows);
    const y = arena.alloc(rows / 2);
    const sw = arena.alloc(rows);
    const sums = arena.alloc(rows);
    const table = arena.alloc(32);
    const scores = arena.view(s, 2 * rows);
    for (let i = 0; i < rows; i++) {
      scores[2 * i + 1] = d[i] ?? 0;
    }
    arena.view(sw, rows).fill(1 / rows);
    arena.view(table, 32).set(expTable);
    arena.softmax(s, coef, y, sw, sums, rows, 2, rows, 2, table);
    for (let i = 0; i < rows; i++) {
      const want = Math.exp(d[i] ?? 0);
      const got = scores[2 * i + 1] ?? Number.NaN;
      expect(scores[2 * i]).toBe(1);
      if ((d[i] ?? 0) >= -708) {
        expect(Math.abs(got - want)).toBeLessThanOrEqual(4 * Number.EPSILON * want);
      } else {
        expect(got).toBeLessThan(4e-308);
      }
    }
    releaseArena(arena);
  });
});
