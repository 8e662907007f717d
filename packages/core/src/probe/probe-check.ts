import { PROBE_ID } from './probe-input.ts';

/** What a head records of its probe at training time (`check` in `modelhub.json`). */
export interface ProbeRecord {
  /** Which synthetic input (`PROBE_ID` when recorded). */
  readonly probe: string;
  /** A 16-number sketch of the probe's feature vector (see {@link featureSketch}). */
  readonly features: readonly number[];
  /** The head's probability of each label (in the manifest's label order) for the probe. */
  readonly probabilities: readonly number[];
}

/** How far the outputs of the probe moved; see {@link compareProbe}. */
export interface ProbeComparison {
  /** ‖sketch now − sketch recorded‖ / ‖sketch recorded‖. */
  readonly featureDrift: number;
  /** Largest change of one label's probability. */
  readonly probabilityDrift: number;
  /** Both within {@link PROBE_TOLERANCE}. */
  readonly same: boolean;
}

/**
 * Largest relative feature change and probability change still read as "the same". Different CPUs
 * and SIMD paths move a backbone's features by about 1e-6 relative; a different resize, crop,
 * colour order, normalisation or tokenizer moves them by 1e-2 and more.
 */
export const PROBE_TOLERANCE = 1e-3;

const SKETCH = 16;

/** 6 significant digits: what is stored, and far finer than the tolerance. */
function round6(x: number): number {
  return Number(x.toPrecision(6));
}

/**
 * A fixed random projection of a feature vector to 16 numbers (±1/√dim entries from a seeded
 * generator): distances between vectors are kept within a few per cent, at any dimension, in a
 * few hundred bytes of JSON.
 */
export function featureSketch(vector: Float32Array): number[] {
  let state = 0x9e3779b9;
  const next = (): number => {
    // xorshift32: the same ±1 signs on every machine and Node version.
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const scale = 1 / Math.sqrt(Math.max(1, vector.length));
  const sketch = new Array<number>(SKETCH).fill(0);
  for (const value of vector) {
    for (let k = 0; k < SKETCH; k++) {
      sketch[k] = (sketch[k] ?? 0) + ((next() & 1) === 1 ? value : -value);
    }
  }
  return sketch.map((s) => round6(s * scale));
}

/** The record of one probe run: its feature sketch and the head's probabilities. */
export function probeRecord(features: Float32Array, probabilities: readonly number[]): ProbeRecord {
  return { probe: PROBE_ID, features: featureSketch(features), probabilities: probabilities.map(round6) };
}

/** Compares a probe run here with the one recorded at training time. */
export function compareProbe(recorded: ProbeRecord, now: ProbeRecord): ProbeComparison {
  let diff = 0;
  let norm = 0;
  recorded.features.forEach((r, i) => {
    diff += (r - (now.features[i] ?? 0)) ** 2;
    norm += r * r;
  });
  const featureDrift = Math.sqrt(diff) / Math.max(Math.sqrt(norm), 1e-12);
  const probabilityDrift = recorded.probabilities.reduce(
    (m, p, i) => Math.max(m, Math.abs(p - (now.probabilities[i] ?? 0))),
    0,
  );
  return {
    featureDrift,
    probabilityDrift,
    same: featureDrift <= PROBE_TOLERANCE && probabilityDrift <= PROBE_TOLERANCE,
  };
}
