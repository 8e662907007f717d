import { describe, expect, it } from 'vitest';

import { planWindows } from './plan-windows.ts';

describe('planWindows', () => {
  it('places windows every hop and masks the ones centred outside the clip', () => {
    const plan = planWindows(100, 76, 8, 0, 90);
    expect(plan.starts).toEqual([0, 8, 16, 24]);
    // centres 38, 46, 54, 62: all inside frames 0–89
    expect(Array.from(plan.mask)).toEqual([1, 1, 1, 1]);
    const centred = planWindows(180, 76, 8, 40, 100);
    expect(centred.starts).toHaveLength(14);
    // centre = start + 38 in [40, 100) ⇔ start in [2, 62) ⇒ windows 1..7 are real
    expect(Array.from(centred.mask)).toEqual([0, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0]);
  });

  it('always keeps one window: the one nearest a very short clip', () => {
    expect(Array.from(planWindows(40, 76, 8, 0, 40).mask)).toEqual([1]);
    // a 4-frame clip at frames 88–92: no centre inside it, window 6 (centre 86) is nearest
    const tiny = planWindows(180, 76, 8, 88, 92);
    expect(tiny.mask.indexOf(1)).toBe(6);
    expect(tiny.mask.reduce((a, b) => a + b, 0)).toBe(1);
  });
});
