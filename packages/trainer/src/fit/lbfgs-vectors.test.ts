import { describe, expect, it } from 'vitest';

import { SeededRandom } from '../random/seeded-random.ts';
import { updateAndDotJs, vectorBank } from './lbfgs-vectors.ts';

describe('vectorBank', () => {
  // An odd length, so the SIMD kernel works on a padded vector.
  const size = 7;
  const rng = new SeededRandom(9);
  const fill = (): number[] => Array.from({ length: size }, () => rng.normal());
  const [a, b, c] = [fill(), fill(), fill()];

  for (const kernel of ['wasm-simd', 'js'] as const) {
    it(`${kernel}: dir = scale·(src + coef·u) and returns vᵀ·dir, also in place`, () => {
      const bank = vectorBank(4, size, kernel);
      bank.views[1]?.set(a);
      bank.views[2]?.set(b);
      bank.views[3]?.set(c);
      const dot = bank.updateAndDot(0, 1, 0.5, 2, -2, 3);
      const want = a.map((v, p) => -2 * (v + 0.5 * (b[p] ?? 0)));
      for (let p = 0; p < size; p++) {
        expect(bank.views[0]?.[p]).toBeCloseTo(want[p] ?? Number.NaN, 14);
      }
      expect(dot).toBeCloseTo(
        want.reduce((s, v, p) => s + v * (c[p] ?? 0), 0),
        12,
      );
      // In place (src = dir), twice: the padding must stay 0 or it would leak into the dot product.
      bank.updateAndDot(0, 0, 1, 3, 1, 3);
      const again = bank.updateAndDot(0, 0, 0, 0, 1, 0);
      const dir = want.map((v, p) => v + (c[p] ?? 0));
      expect(again).toBeCloseTo(
        dir.reduce((s, v) => s + v * v, 0),
        12,
      );
      bank.dispose();
    });
  }

  it('the JavaScript and SIMD passes agree to rounding', () => {
    const wasm = vectorBank(3, size, 'wasm-simd');
    [a, b, c].forEach((v, i) => wasm.views[i]?.set(v));
    const dir = new Float64Array(size);
    const js = updateAndDotJs(dir, Float64Array.from(a), 0.25, Float64Array.from(b), 3, Float64Array.from(c));
    expect(wasm.updateAndDot(0, 0, 0.25, 1, 3, 2)).toBeCloseTo(js, 13);
    expect(Array.from(wasm.views[0] ?? []).map((v, p) => v - (dir[p] ?? 0))).toEqual(
      new Array<number>(size).fill(0),
    );
    wasm.dispose();
  });

  for (const kernel of ['wasm-simd', 'js'] as const) {
    it(`${kernel}: the secant pair s = x⁺ − x, y = g⁺ − g with sᵀy, yᵀy and max|g⁺|`, () => {
      const d = fill();
      const bank = vectorBank(6, size, kernel);
      [a, b, c, d].forEach((v, i) => bank.views[i + 2]?.set(v));
      const out = bank.secantPair(0, 1, 2, 3, 4, 5);
      const sv = a.map((v, p) => v - (b[p] ?? 0));
      const yv = c.map((v, p) => v - (d[p] ?? 0));
      expect(Array.from(bank.views[0] ?? [])).toEqual(sv);
      expect(Array.from(bank.views[1] ?? [])).toEqual(yv);
      expect(out[0]).toBeCloseTo(
        sv.reduce((t, v, p) => t + v * (yv[p] ?? 0), 0),
        13,
      );
      expect(out[1]).toBeCloseTo(
        yv.reduce((t, v) => t + v * v, 0),
        13,
      );
      expect(out[2]).toBe(Math.max(...c.map(Math.abs)));
      bank.dispose();
    });
  }
});
