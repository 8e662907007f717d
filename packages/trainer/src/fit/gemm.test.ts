import { describe, expect, it } from 'vitest';

import { SeededRandom } from '../random/seeded-random.ts';
import { gemmABt, transposeInto } from './gemm.ts';

function randomMatrix(rng: SeededRandom, length: number): Float64Array {
  return Float64Array.from({ length }, () => rng.normal());
}

function naiveABt(a: Float64Array, b: Float64Array, m: number, p: number, k: number): Float64Array {
  const out = new Float64Array(m * p);
  for (let i = 0; i < m; i++) {
    for (let o = 0; o < p; o++) {
      let s = 0;
      for (let j = 0; j < k; j++) {
        s += (a[i * k + j] ?? 0) * (b[o * k + j] ?? 0);
      }
      out[i * p + o] = s;
    }
  }
  return out;
}

describe('gemmABt', () => {
  it('computes A·Bᵀ for every remainder of the 4×2 blocking', () => {
    const rng = new SeededRandom(7);
    for (const [m, p, k] of [
      [8, 4, 6],
      [7, 5, 9],
      [1, 1, 1],
      [5, 3, 2],
      [10, 120, 31],
    ] as const) {
      const a = randomMatrix(rng, m * k);
      const b = randomMatrix(rng, p * k);
      const out = new Float64Array(m * p).fill(Number.NaN);
      gemmABt(a, b, out, m, p, k);
      const want = naiveABt(a, b, m, p, k);
      for (let q = 0; q < want.length; q++) {
        expect(out[q]).toBeCloseTo(want[q] ?? Number.NaN, 10);
      }
    }
  });

  it('transposes a row-major matrix', () => {
    const src = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const dst = new Float64Array(6);
    transposeInto(src, dst, 2, 3);
    expect(Array.from(dst)).toEqual([1, 4, 2, 5, 3, 6]);
  });
});
