import { describe, expect, it } from 'vitest';

import { joinViews } from './join-views.ts';

describe('joinViews', () => {
  it('scales each view to unit length, then by its weight, and concatenates them', () => {
    const joined = joinViews([Float32Array.of(3, 4), Float32Array.of(0, 0, 2)], [1, 0.5]);
    expect(Array.from(joined)).toEqual([0.6, 0.8, 0, 0, 0.5].map((x) => Math.fround(x)));
  });

  it('keeps a view of many values from drowning one of few', () => {
    const few = Float32Array.of(1, 1);
    const many = new Float32Array(1000).fill(5);
    const joined = joinViews([few, many], [1, 1]);
    const norm = (from: number, to: number): number => Math.hypot(...Array.from(joined.subarray(from, to)));
    expect(norm(0, 2)).toBeCloseTo(1, 6);
    expect(norm(2, 1002)).toBeCloseTo(1, 6);
  });

  it('leaves an all-zero view at zero', () => {
    expect(Array.from(joinViews([new Float32Array(2), Float32Array.of(2)], [1, 1]))).toEqual([0, 0, 1]);
  });
});
