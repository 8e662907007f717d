import { describe, expect, it } from 'vitest';

import { wilsonInterval } from './wilson-interval.ts';

describe('wilsonInterval', () => {
  it('matches the textbook values (statsmodels proportion_confint(method="wilson"))', () => {
    // 930 of 1000: 0.9125 … 0.9442
    const a = wilsonInterval(930, 1000);
    expect(a.low).toBeCloseTo(0.912485, 5);
    expect(a.high).toBeCloseTo(0.944224, 5);
    // 9 of 10: 0.5958 … 0.9821
    const b = wilsonInterval(9, 10);
    expect(b.low).toBeCloseTo(0.59585, 4);
    expect(b.high).toBeCloseTo(0.98212, 4);
  });

  it('stays inside [0, 1] at the edges and is the whole range without data', () => {
    expect(wilsonInterval(10, 10).high).toBe(1);
    expect(wilsonInterval(10, 10).low).toBeCloseTo(0.722467, 5);
    expect(wilsonInterval(0, 10).low).toBe(0);
    expect(wilsonInterval(0, 0)).toMatchObject({ low: 0, high: 1 });
  });
});
