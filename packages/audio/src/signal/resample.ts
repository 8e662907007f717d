import { createRequire } from 'node:module';

import type WaveResampler from 'wave-resampler';

const requireHere = createRequire(import.meta.url);
let waveResampler: typeof WaveResampler | undefined;

/**
 * Changes the sample rate with `wave-resampler` (cubic interpolation behind an IIR low-pass at the
 * lower Nyquist frequency, so tones the target rate cannot hold are removed instead of aliased).
 * Returns the input itself when the rates are equal.
 */
export function resample(samples: Float32Array, fromRate: number, toRate: number): Float32Array {
  if (fromRate === toRate || samples.length === 0) {
    return samples;
  }
  // Loaded by the first clip that needs it: commands on images or texts never do.
  waveResampler ??= requireHere('wave-resampler') as typeof WaveResampler;
  const out = waveResampler.resample(samples, fromRate, toRate, { method: 'cubic', LPF: true });
  return Float32Array.from(out);
}
