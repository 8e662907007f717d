import { SeededRandom } from '../random/seeded-random.ts';

/** A k-fold assignment for cross-validation, and why k is what it is. */
export interface Folds {
  /** Fold of each item (0…k-1); every fold holds every class that has at least k items. */
  readonly fold: Int32Array;
  readonly k: number;
  /** The class with the fewest items and its count (what limits k). */
  readonly smallestClass: { readonly index: number; readonly count: number };
}

/**
 * Stratified k-fold with k = min(`maxFolds`, smallest class size): each class is shuffled (seeded)
 * and dealt round-robin over the folds, each class starting where the previous one stopped, so
 * fold sizes differ by at most one. k is 1 (no cross-validation possible) when a class has a single
 * item.
 */
export function stratifiedFolds(targets: ArrayLike<number>, maxFolds: number, seed: number): Folds {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < targets.length; i++) {
    const t = targets[i] as number;
    const list = byClass.get(t);
    if (list === undefined) {
      byClass.set(t, [i]);
    } else {
      list.push(i);
    }
  }
  let smallest = { index: -1, count: Infinity };
  for (const [index, items] of [...byClass].sort((a, b) => a[0] - b[0])) {
    if (items.length < smallest.count) {
      smallest = { index, count: items.length };
    }
  }
  const k = Math.max(1, Math.min(maxFolds, smallest.count === Infinity ? 1 : smallest.count));
  const fold = new Int32Array(targets.length);
  const rng = new SeededRandom(seed);
  let next = 0;
  for (const [, items] of [...byClass].sort((a, b) => a[0] - b[0])) {
    for (const i of rng.shuffle([...items])) {
      fold[i] = next;
      next = (next + 1) % k;
    }
  }
  return { fold, k, smallestClass: smallest.count === Infinity ? { index: -1, count: 0 } : smallest };
}
