import { describe, expect, it } from 'vitest';

import { SeededRandom } from '../random/seeded-random.ts';
import { sampleWeights } from './fit-types.ts';
import { SoftmaxObjective } from './softmax-objective.ts';

// Odd sizes, so every operand of the SIMD kernel needs padding.
const rows = 7;
const dim = 5;
const c = 3;
const rng = new SeededRandom(11);
const set = {
  x: Float64Array.from({ length: rows * dim }, () => rng.normal()),
  y: Int32Array.from({ length: rows }, (_, i) => i % c),
  rows,
  dim,
};
const theta = Float64Array.from({ length: c * dim + c }, () => 0.5 * rng.normal());
const weights = sampleWeights(set.y, Float64Array.from([1, 2, 0.5]));

function lossAt(t: Float64Array): number {
  let loss = 0;
  for (let i = 0; i < rows; i++) {
    const s = Array.from({ length: c }, (_, k) => {
      let v = t[c * dim + k] ?? 0;
      for (let j = 0; j < dim; j++) {
        v += (t[k * dim + j] ?? 0) * (set.x[i * dim + j] ?? 0);
      }
      return v;
    });
    const lse = Math.log(s.reduce((a, v) => a + Math.exp(v), 0));
    loss += (weights[i] ?? 0) * (lse - (s[set.y[i] ?? 0] ?? 0));
  }
  let penalty = 0;
  for (let p = 0; p < c * dim; p++) {
    penalty += (t[p] ?? 0) ** 2;
  }
  return loss + 0.5 * 0.3 * penalty;
}

describe('SoftmaxObjective', () => {
  for (const kernel of ['wasm-simd', 'js'] as const) {
    it(`${kernel}: loss matches the definition and the gradient matches finite differences`, () => {
      const objective = new SoftmaxObjective(set, weights, c, 0.3, kernel);
      expect(objective.kernel).toBe(kernel);
      const grad = new Float64Array(theta.length);
      expect(objective.evaluate(theta, grad)).toBeCloseTo(lossAt(theta), 12);
      for (let p = 0; p < theta.length; p++) {
        const h = 1e-6;
        const plus = Float64Array.from(theta);
        const minus = Float64Array.from(theta);
        plus[p] = (plus[p] ?? 0) + h;
        minus[p] = (minus[p] ?? 0) - h;
        expect(grad[p]).toBeCloseTo((lossAt(plus) - lossAt(minus)) / (2 * h), 7);
      }
      objective.dispose();
    });
  }

  it('gives the same values on both kernels and again on a reused arena', () => {
    const results = ['wasm-simd', 'js', 'wasm-simd'].map((kernel) => {
      const objective = new SoftmaxObjective(set, weights, c, 0.3, kernel as 'wasm-simd' | 'js');
      const grad = new Float64Array(theta.length);
      const loss = objective.evaluate(theta, grad);
      objective.dispose();
      return { loss, grad };
    });
    const [wasm, js, again] = results;
    expect(again?.loss).toBe(wasm?.loss);
    expect(Array.from(again?.grad ?? [])).toEqual(Array.from(wasm?.grad ?? []));
    expect(wasm?.loss).toBeCloseTo(js?.loss ?? Number.NaN, 13);
    for (let p = 0; p < theta.length; p++) {
      expect(wasm?.grad[p]).toBeCloseTo(js?.grad[p] ?? Number.NaN, 13);
    }
  });

  for (const kernel of ['wasm-simd', 'js'] as const) {
    it(`${kernel}: reports the unweighted mean cross-entropy and the accuracy of a set`, () => {
      const objective = new SoftmaxObjective(set, weights, c, 0.3, kernel);
      let loss = 0;
      let correct = 0;
      for (let i = 0; i < rows; i++) {
        const s = Array.from({ length: c }, (_, k) => {
          let v = theta[c * dim + k] ?? 0;
          for (let j = 0; j < dim; j++) {
            v += (theta[k * dim + j] ?? 0) * (set.x[i * dim + j] ?? 0);
          }
          return v;
        });
        loss += Math.log(s.reduce((a, v) => a + Math.exp(v), 0)) - (s[set.y[i] ?? 0] ?? 0);
        correct += s.indexOf(Math.max(...s)) === set.y[i] ? 1 : 0;
      }
      const got = objective.lossAndAccuracy(theta);
      expect(got.loss).toBeCloseTo(loss / rows, 12);
      expect(got.accuracy).toBe(correct / rows);
      expect(correct).toBeGreaterThan(0);
      expect(correct).toBeLessThan(rows);
      objective.dispose();
    });
  }

  it('stays finite and agrees across kernels when scores differ by hundreds', () => {
    // exp(s − max) underflows for most classes; the SIMD kernel clamps at e^−708.
    const steep = Float64Array.from(theta, (v) => v * 400);
    const [wasm, js] = (['wasm-simd', 'js'] as const).map((kernel) => {
      const objective = new SoftmaxObjective(set, weights, c, 0.3, kernel);
      const grad = new Float64Array(theta.length);
      const loss = objective.evaluate(steep, grad);
      objective.dispose();
      return { loss, grad };
    });
    expect(Number.isFinite(wasm?.loss)).toBe(true);
    expect(Math.abs((wasm?.loss ?? 0) - (js?.loss ?? 1)) / (js?.loss ?? 1)).toBeLessThan(1e-12);
    for (let p = 0; p < theta.length; p++) {
      expect(Math.abs((wasm?.grad[p] ?? 0) - (js?.grad[p] ?? 1))).toBeLessThan(
        1e-9 * (1 + Math.abs(js?.grad[p] ?? 1)),
      );
    }
  });
});
