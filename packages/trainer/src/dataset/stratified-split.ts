import { ModelhubError } from '@modelhub/core';

import { SeededRandom } from '../random/seeded-random.ts';

/** A train/validation split: indices into the items that were split. */
export interface Split {
  readonly train: readonly number[];
  readonly validation: readonly number[];
  readonly seed: number;
  readonly validationFraction: number;
}

/**
 * Splits items per class so both sides hold every class: each class gives
 * `round(n × fraction)` items (at least one, and never all) to validation. A class with fewer than
 * two items cannot be on both sides, so it is an error that names the class.
 */
export function stratifiedSplit(
  labels: readonly string[],
  options: { readonly validationFraction: number; readonly seed: number },
): Split {
  const { validationFraction: fraction, seed } = options;
  if (!(fraction > 0 && fraction < 1)) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `validation fraction must be between 0 and 1, got ${fraction}`,
      {
        hint: 'Use e.g. 0.2 to keep one item in five for validation.',
      },
    );
  }
  const byClass = new Map<string, number[]>();
  labels.forEach((label, i) => {
    const list = byClass.get(label);
    if (list === undefined) {
      byClass.set(label, [i]);
    } else {
      list.push(i);
    }
  });
  const tooSmall = [...byClass].filter(([, idx]) => idx.length < 2).map(([label]) => label);
  if (tooSmall.length > 0) {
    throw new ModelhubError(
      'INVALID_DATASET',
      `class(es) ${tooSmall.map((l) => `"${l}"`).join(', ')} have fewer than 2 examples, so they cannot appear on both the training and the validation side`,
      {
        hint: 'Add at least two examples per class (five or more is better).',
        details: { classes: tooSmall },
      },
    );
  }
  const rng = new SeededRandom(seed);
  const train: number[] = [];
  const validation: number[] = [];
  for (const label of [...byClass.keys()].sort()) {
    const idx = rng.shuffle([...(byClass.get(label) ?? [])]);
    const nVal = Math.min(idx.length - 1, Math.max(1, Math.round(idx.length * fraction)));
    validation.push(...idx.slice(0, nVal));
    train.push(...idx.slice(nVal));
  }
  train.sort((a, b) => a - b);
  validation.sort((a, b) => a - b);
  return { train, validation, seed, validationFraction: fraction };
}

/** Inverse-frequency class weights `n / (C × n_c)` (scikit-learn's "balanced"), in label order. */
export function balancedClassWeights(targets: ArrayLike<number>, numClasses: number): Float64Array {
  const counts = new Float64Array(numClasses);
  for (let i = 0; i < targets.length; i++) {
    counts[targets[i] as number] = (counts[targets[i] as number] ?? 0) + 1;
  }
  const weights = new Float64Array(numClasses);
  for (let c = 0; c < numClasses; c++) {
    const n = counts[c] ?? 0;
    weights[c] = n === 0 ? 0 : targets.length / (numClasses * n);
  }
  return weights;
}
