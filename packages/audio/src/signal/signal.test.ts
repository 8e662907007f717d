import { describe, expect, it } from 'vitest';

import { sine } from '../decode/wav-bytes.test-helper.ts';
import { downmix } from './downmix.ts';
import { resample } from './resample.ts';

const rms = (x: Float32Array, from = 0, to = x.length): number => {
  let s = 0;
  for (let i = from; i < to; i++) {
    s += (x[i] ?? 0) ** 2;
  }
  return Math.sqrt(s / Math.max(1, to - from));
};

/** Upward zero crossings per second: the frequency of a pure tone. */
const frequency = (x: Float32Array, rate: number, from: number, to: number): number => {
  let n = 0;
  for (let i = from + 1; i < to; i++) {
    if ((x[i - 1] ?? 0) < 0 && (x[i] ?? 0) >= 0) {
      n++;
    }
  }
  return (n * rate) / (to - from);
};

describe('downmix', () => {
  it('averages the channels and keeps mono as it is', () => {
    const l = Float32Array.from([1, 0.5, -1]);
    const r = Float32Array.from([0, 0.5, 1]);
    expect(Array.from(downmix([l, r]))).toEqual([0.5, 0.5, 0]);
    expect(downmix([l])).toBe(l);
  });
});

describe('resample', () => {
  it('keeps a tone’s pitch, loudness and length from 44.1 kHz and 22.05 kHz to 16 kHz', () => {
    for (const from of [44100, 22050, 8000]) {
      const x = sine(1000, from, 1, 0.5);
      const y = resample(x, from, 16000);
      expect(Math.abs(y.length - 16000), `${from} Hz length`).toBeLessThanOrEqual(2);
      expect(frequency(y, 16000, 2000, 14000), `${from} Hz pitch`).toBeCloseTo(1000, -1);
      expect(rms(y, 2000, 14000) / rms(x), `${from} Hz loudness`).toBeGreaterThan(0.9);
      expect(rms(y, 2000, 14000) / rms(x), `${from} Hz loudness`).toBeLessThan(1.1);
    }
  });

  it('filters out tones above the new Nyquist frequency instead of aliasing them', () => {
    const x = sine(12000, 48000, 1, 0.5);
    const y = resample(x, 48000, 16000);
    expect(rms(y, 2000, 14000) / rms(x)).toBeLessThan(0.2);
  });

  it('returns the input when the rate does not change', () => {
    const x = sine(440, 16000, 0.1);
    expect(resample(x, 16000, 16000)).toBe(x);
  });
});
