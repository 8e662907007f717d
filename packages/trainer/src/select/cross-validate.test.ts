import { describe, expect, it } from 'vitest';

import { stratifiedFolds } from '../dataset/stratified-folds.ts';
import { SeededRandom } from '../random/seeded-random.ts';
import { chooseCandidate } from './choose-candidate.ts';
import { crossValidate } from './cross-validate.ts';
import { kernelCoordinates } from './kernel-coordinates.ts';

/** `rows` vectors of `dim` values: a class-dependent mean plus noise, 3 classes. */
function blobs(
  rows: number,
  dim: number,
  seed: number,
  spread = 0.6,
): { vectors: Float32Array[]; targets: number[] } {
  const rng = new SeededRandom(seed);
  const centres = Array.from({ length: 3 }, () => Float32Array.from({ length: dim }, () => rng.normal()));
  const targets = Array.from({ length: rows }, (_, i) => i % 3);
  const vectors = targets.map((t) =>
    Float32Array.from(
      { length: dim },
      (_, k) => spread * ((centres[t] as Float32Array)[k] as number) + rng.normal(),
    ),
  );
  return { vectors, targets };
}

describe('kernelCoordinates', () => {
  it('keeps every dot product among training rows and between test and training rows', () => {
    const rng = new SeededRandom(3);
    const dim = 12;
    const rows = Array.from({ length: 5 }, () => Float64Array.from({ length: dim }, () => rng.normal()));
    rows.push(
      Float64Array.from(rows[0] as Float64Array, (x, k) => x + 2 * ((rows[1] as Float64Array)[k] as number)),
    ); // in the span
    const tests = Array.from({ length: 2 }, () => Float64Array.from({ length: dim }, () => rng.normal()));
    const dot = (a: Float64Array, b: Float64Array): number =>
      a.reduce((s, x, k) => s + x * (b[k] as number), 0);
    const n = rows.length;
    const gram = Float64Array.from({ length: n * n }, (_, i) =>
      dot(rows[Math.floor(i / n)] as Float64Array, rows[i % n] as Float64Array),
    );
    const cross = Float64Array.from({ length: 2 * n }, (_, i) =>
      dot(tests[Math.floor(i / n)] as Float64Array, rows[i % n] as Float64Array),
    );
    const c = kernelCoordinates(gram, n, cross, 2);
    expect(c.rank).toBe(5); // the sixth row lies in the span of the first two
    const z = (m: Float64Array, i: number): Float64Array => m.slice(i * c.rank, (i + 1) * c.rank);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        expect(dot(z(c.train, i), z(c.train, j))).toBeCloseTo(gram[i * n + j] as number, 9);
      }
      for (let t = 0; t < 2; t++) {
        expect(dot(z(c.test, t), z(c.train, i))).toBeCloseTo(cross[t * n + i] as number, 9);
      }
    }
  });
});

describe('crossValidate', () => {
  it.each(['global', 'per-dimension'] as const)(
    'gives the same out-of-fold predictions on the training rows’ span as on all features when features outnumber images (%s scaling)',
    (scaling) => {
      const { vectors, targets } = blobs(30, 80, 5);
      const folds = stratifiedFolds(targets, 5, 1);
      const variants = [{ dim: 80, vectors }];
      const input = { normalize: 'l2' as const, scaling };
      const span = crossValidate(variants, targets, 3, folds, [0.1, 1, 10], input);
      const full = crossValidate(variants, targets, 3, folds, [0.1, 1, 10], { ...input, kernel: false });
      expect(span.map((r) => Array.from(r.predicted))).toEqual(full.map((r) => Array.from(r.predicted)));
      // the same optimum, reached to L-BFGS's gradient tolerance in two parametrisations
      span.forEach((r, i) => expect(r.logLoss).toBeCloseTo(full[i]?.logLoss ?? Number.NaN, 2));
    },
  );

  it('scores separable classes well above chance and is deterministic', () => {
    const { vectors, targets } = blobs(45, 20, 9, 1.5);
    const folds = stratifiedFolds(targets, 5, 2);
    const a = crossValidate([{ dim: 20, vectors }], targets, 3, folds, [1]);
    const b = crossValidate([{ dim: 20, vectors }], targets, 3, folds, [1]);
    expect(a[0]?.accuracy).toBeGreaterThan(0.8);
    expect(Array.from(a[0]?.predicted ?? [])).toEqual(Array.from(b[0]?.predicted ?? []));
    expect(a[0]?.logLoss).toBe(b[0]?.logLoss);
  });
});

describe('chooseCandidate', () => {
  const r = (variant: number, c: number, accuracy: number, logLoss: number) => ({
    variant,
    c,
    accuracy,
    logLoss,
    correct: new Uint8Array(),
    predicted: new Int32Array(),
    ms: 0,
  });
  const keys = [
    { padding: 'full', tap: 'a', pooling: 'mean' },
    { padding: 'full', tap: 'a', pooling: 'max' },
    { padding: 'tight', tap: 'a', pooling: 'mean' },
  ];

  it('decides padding, then tap, then pooling on mean log-loss, then C on accuracy', () => {
    const results = [
      r(0, 1, 0.9, 0.3),
      r(0, 10, 0.92, 0.28),
      r(1, 1, 0.94, 0.35),
      r(1, 10, 0.9, 0.4),
      // one lucky tight candidate does not carry the padding: its mean log-loss is worse
      r(2, 1, 0.98, 0.2),
      r(2, 10, 0.8, 0.9),
    ];
    expect(chooseCandidate(results, keys)).toMatchObject({ variant: 0, c: 10 });
  });

  it('breaks an accuracy tie on log-loss, then prefers C = 1', () => {
    expect(chooseCandidate([r(0, 10, 0.9, 0.3), r(0, 1, 0.9, 0.3), r(0, 0.1, 0.9, 0.2)], keys)).toMatchObject(
      { c: 0.1 },
    );
    expect(chooseCandidate([r(0, 10, 0.9, 0.3), r(0, 1, 0.9, 0.3)], keys)).toMatchObject({ c: 1 });
  });
});
