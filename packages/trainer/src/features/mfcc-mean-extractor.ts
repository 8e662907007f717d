import { loadAudio } from '@modelhub/audio';
import type { AudioSpec, EmbedResult, FeatureExtractor, FeatureTap, ModelInput } from '@modelhub/core';

import { decodeEach } from './decode-each.ts';

const RATE = 16000;
const FRAME = 400; // 25 ms
const HOP = 160; // 10 ms
const FFT = 512;
const MELS = 26;
const COEFFS = 13;

/** In-place radix-2 FFT of a real frame; returns the power spectrum (FFT/2 + 1 bins). */
function powerSpectrum(frame: Float64Array): Float64Array {
  const re = Float64Array.from(frame);
  const im = new Float64Array(FFT);
  for (let i = 1, j = 0; i < FFT; i++) {
    let bit = FFT >> 1;
    for (; j & bit; bit >>= 1) {
      j ^= bit;
    }
    j ^= bit;
    if (i < j) {
      [re[i], re[j]] = [re[j] ?? 0, re[i] ?? 0];
    }
  }
  for (let len = 2; len <= FFT; len <<= 1) {
    const angle = (-2 * Math.PI) / len;
    for (let i = 0; i < FFT; i += len) {
      for (let k = 0; k < len / 2; k++) {
        const wr = Math.cos(angle * k);
        const wi = Math.sin(angle * k);
        const a = i + k;
        const b = a + len / 2;
        const xr = (re[b] ?? 0) * wr - (im[b] ?? 0) * wi;
        const xi = (re[b] ?? 0) * wi + (im[b] ?? 0) * wr;
        re[b] = (re[a] ?? 0) - xr;
        im[b] = (im[a] ?? 0) - xi;
        re[a] = (re[a] ?? 0) + xr;
        im[a] = (im[a] ?? 0) + xi;
      }
    }
  }
  return Float64Array.from({ length: FFT / 2 + 1 }, (_, k) => ((re[k] ?? 0) ** 2 + (im[k] ?? 0) ** 2) / FFT);
}

const mel = (hz: number): number => 2595 * Math.log10(1 + hz / 700);
const hz = (m: number): number => 700 * (10 ** (m / 2595) - 1);

/** Triangular mel filters over the power spectrum bins (0 Hz to Nyquist). */
const filters: Float64Array[] = (() => {
  const points = Array.from({ length: MELS + 2 }, (_, i) => hz((mel(RATE / 2) * i) / (MELS + 1)));
  const bins = points.map((f) => Math.floor(((FFT + 1) * f) / RATE));
  return Array.from({ length: MELS }, (_, m) => {
    const w = new Float64Array(FFT / 2 + 1);
    const [lo, mid, hi] = [bins[m] ?? 0, bins[m + 1] ?? 0, bins[m + 2] ?? 0];
    for (let k = lo; k < mid; k++) {
      w[k] = (k - lo) / Math.max(1, mid - lo);
    }
    for (let k = mid; k < hi; k++) {
      w[k] = (hi - k) / Math.max(1, hi - mid);
    }
    return w;
  });
})();

/** The MFCCs of a 16 kHz clip averaged over its frames (Hamming window, 26 mel bands, DCT-II, 13 coefficients). */
export function mfccMean(samples: Float32Array): Float32Array {
  const frames = Math.max(1, Math.floor((samples.length - FRAME) / HOP) + 1);
  const sum = new Float64Array(COEFFS);
  const frame = new Float64Array(FFT);
  for (let f = 0; f < frames; f++) {
    frame.fill(0);
    for (let i = 0; i < FRAME; i++) {
      frame[i] = (samples[f * HOP + i] ?? 0) * (0.54 - 0.46 * Math.cos((2 * Math.PI * i) / (FRAME - 1)));
    }
    const power = powerSpectrum(frame);
    const logMel = filters.map((w) => Math.log(w.reduce((s, x, k) => s + x * (power[k] ?? 0), 0) + 1e-10));
    for (let c = 0; c < COEFFS; c++) {
      let v = 0;
      for (let m = 0; m < MELS; m++) {
        v += (logMel[m] ?? 0) * Math.cos((Math.PI * c * (m + 0.5)) / MELS);
      }
      sum[c] = (sum[c] ?? 0) + v;
    }
  }
  return Float32Array.from(sum, (x) => x / frames);
}

/**
 * The no-transfer baseline for audio: each clip's mean MFCC vector (13-d), computed from the same
 * decoded, downmixed, 16 kHz audio the backbone gets (`@modelhub/audio`).
 */
export function mfccMeanExtractor(): FeatureExtractor {
  const tap: FeatureTap = { tensor: 'mfcc:mean-13', runtime: 'pixels', pooling: 'mean', dim: COEFFS };
  const spec: AudioSpec = {
    modality: 'audio',
    source: 'mfcc',
    sampleRate: RATE,
    downmix: 'mean',
    scale: 1,
    frontend: {
      kind: 'frames',
      frontendFile: 'mfcc',
      embeddingFile: 'mean',
      frameScale: 1,
      frameOffset: 0,
      window: 1,
      hop: 1,
      samplesPerFrame: HOP,
    },
    minSamples: FRAME,
    pad: 'centre',
  };
  return {
    modelId: 'mfcc/mean-13',
    dim: COEFFS,
    tap,
    preprocess: spec,
    embed: (inputs: readonly ModelInput[]): Promise<EmbedResult> =>
      decodeEach(inputs, 4, async (input) => mfccMean((await loadAudio(input, RATE)).samples)),
    dispose: () => Promise.resolve(),
  };
}
