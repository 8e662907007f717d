import type { CvResult } from './cross-validate.ts';

/** What distinguishes one feature variant from another, for the choice. */
export interface VariantKey {
  readonly padding: string;
  readonly tap: string;
  readonly pooling: string;
}

/** Cs in the order they are preferred on an exact tie: the default first, then weaker, then stronger L2. */
const C_PREFERENCE = (c: number): number => (c === 1 ? 0 : c > 1 ? 1 : 2);

/** The key value among `results` with the lowest mean out-of-fold log-loss (first seen wins ties). */
function bestBy(results: readonly CvResult[], key: (r: CvResult) => string): string | undefined {
  const sums = new Map<string, { loss: number; n: number }>();
  for (const r of results) {
    const k = key(r);
    const s = sums.get(k) ?? { loss: 0, n: 0 };
    s.loss += r.logLoss;
    s.n++;
    sums.set(k, s);
  }
  let best: string | undefined;
  let bestLoss = Infinity;
  for (const [k, s] of sums) {
    if (s.loss / s.n < bestLoss) {
      best = k;
      bestLoss = s.loss / s.n;
    }
  }
  return best;
}

/**
 * The cross-validated choice, one decision at a time, each on the out-of-fold log-loss averaged
 * over the choices still open: first the padding, then the tap, then the pooling; last C, by
 * out-of-fold accuracy (then log-loss, then C = 1). Averaging over what is not being decided
 * makes each comparison rest on many fits instead of one, which matters with a few dozen
 * images (on development digits it chose better than the single best-scoring candidate).
 */
export function chooseCandidate(
  results: readonly CvResult[],
  keys: readonly VariantKey[],
): CvResult | undefined {
  let pool = [...results];
  const keyOf = (r: CvResult): VariantKey => keys[r.variant] ?? { padding: '', tap: '', pooling: '' };
  for (const field of ['padding', 'tap', 'pooling'] as const) {
    const best = bestBy(pool, (r) => keyOf(r)[field]);
    pool = pool.filter((r) => keyOf(r)[field] === best);
  }
  let chosen: CvResult | undefined;
  for (const r of pool) {
    if (
      chosen === undefined ||
      r.accuracy > chosen.accuracy ||
      (r.accuracy === chosen.accuracy &&
        (r.logLoss < chosen.logLoss ||
          (r.logLoss === chosen.logLoss && C_PREFERENCE(r.c) < C_PREFERENCE(chosen.c))))
    ) {
      chosen = r;
    }
  }
  return chosen;
}
