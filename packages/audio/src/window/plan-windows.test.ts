import { describe, expect, it } from 'vitest';

import { planWindows } from './plan-windows.ts';

describe('planWindows', () => {
  it('places windows every hop and masks the ones centred in padding', () => {
    const plan = planWindows(100, 76, 8, 90);
    expect(plan.starts).toEqual([0, 8, 16, 24]);
    // centres 38, 46, 54, 62: all inside 90 real frames
    expect(Array.from(plan.mask)).toEqual([1, 1, 1, 1]);
    const padded = planWindows(180, 76, 8, 100);
    expect(padded.starts).toHaveLength(14);
    // centre = start + 38 < 100 ⇔ start ≤ 61 ⇒ windows 0..7 are real
    expect(Array.from(padded.mask)).toEqual([1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('always keeps one window, even for a clip shorter than a window', () => {
    const plan = planWindows(40, 76, 8, 40);
    expect(plan.starts).toEqual([0]);
    expect(Array.from(plan.mask)).toEqual([1]);
  });
});
