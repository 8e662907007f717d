import { describe, expect, it } from 'vitest';

import { stratifiedFolds } from './stratified-folds.ts';

const countsOf = (fold: Int32Array, targets: number[], k: number): number[][] =>
  Array.from({ length: k }, (_, f) =>
    [0, 1, 2].map((c) => targets.filter((t, i) => t === c && fold[i] === f).length),
  );

describe('stratifiedFolds', () => {
  it('puts every class in every fold with k = min(5, smallest class), fold sizes within one', () => {
    const targets = [
      ...new Array<number>(7).fill(0),
      ...new Array<number>(6).fill(1),
      ...new Array<number>(9).fill(2),
    ];
    const { fold, k, smallestClass } = stratifiedFolds(targets, 5, 1);
    expect(k).toBe(5);
    expect(smallestClass).toEqual({ index: 1, count: 6 });
    for (const counts of countsOf(fold, targets, k)) {
      expect(counts.every((n) => n >= 1)).toBe(true);
    }
    const sizes = Array.from({ length: k }, (_, f) => fold.filter((x) => x === f).length);
    expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
  });

  it('falls back to k = 2 when a class has two items, and to 1 (no CV) when one has a single item', () => {
    const two = [0, 0, 0, 0, 0, 1, 1, 2, 2, 2];
    const a = stratifiedFolds(two, 5, 3);
    expect(a.k).toBe(2);
    expect(countsOf(a.fold, two, 2).every((c) => c.every((n) => n >= 1))).toBe(true);
    expect(stratifiedFolds([0, 0, 1], 5, 3).k).toBe(1);
  });

  it('is deterministic for a seed and changes with it', () => {
    const targets = Array.from({ length: 50 }, (_, i) => i % 3);
    expect(Array.from(stratifiedFolds(targets, 5, 7).fold)).toEqual(
      Array.from(stratifiedFolds(targets, 5, 7).fold),
    );
    expect(Array.from(stratifiedFolds(targets, 5, 7).fold)).not.toEqual(
      Array.from(stratifiedFolds(targets, 5, 8).fold),
    );
  });
});
