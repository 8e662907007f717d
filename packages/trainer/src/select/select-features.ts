import { ModelhubError } from '@modelhub/core';

import { stratifiedFolds, type Folds } from '../dataset/stratified-folds.ts';
import { chooseCandidate, type VariantKey } from './choose-candidate.ts';
import { crossValidate, type CvResult, type HeadInput, type VariantFeatures } from './cross-validate.ts';

/** What {@link selectFeatures} needs besides the features. */
export interface SelectFeaturesOptions {
  /** L2 strengths to try, as scikit-learn's C. */
  readonly cs: readonly number[];
  /** At most this many folds. @default 5 */
  readonly maxFolds?: number;
  /** Seeds the fold assignment. */
  readonly seed: number;
  /** How the heads treat their input. @default no normalization, per-dimension z-scores */
  readonly input?: HeadInput;
  /**
   * With a single candidate (one variant, one C) there is nothing to choose: skip the
   * cross-validation (e.g. when a hold-out gives the estimate anyway). @default false
   */
  readonly skipSingle?: boolean;
}

/** The cross-validated choice, every candidate's score, and why k is what it is. */
export interface FeatureSelection {
  readonly folds: Folds;
  /** Every candidate, in (variant, C) order; empty when no cross-validation was possible. */
  readonly results: readonly CvResult[];
  /** The chosen variant and C. */
  readonly chosen: { readonly variant: number; readonly c: number };
  /** The chosen candidate's out-of-fold results (absent without cross-validation). */
  readonly chosenResult: CvResult | undefined;
  /** Plain-language note when k had to shrink, or cross-validation was impossible. */
  readonly fallback: string | undefined;
  /** Wall time of the cross-validation. */
  readonly ms: number;
}

/**
 * Chooses among candidate feature variants and L2 strengths by stratified k-fold cross-validation
 * on the training rows only (see `chooseCandidate` for the rule), k = min(maxFolds, smallest class). A class with a single image leaves
 * no way to cross-validate: the first variant (the default tap, pooling and padding) with C = 1
 * (or the only C given) is used, and `fallback` says so.
 */
export function selectFeatures(
  variants: ReadonlyArray<VariantFeatures & VariantKey>,
  targets: ArrayLike<number>,
  labels: readonly string[],
  options: SelectFeaturesOptions,
): FeatureSelection {
  if (variants.length === 0 || options.cs.length === 0) {
    throw new ModelhubError('INVALID_ARGUMENT', 'nothing to choose from: no feature variant or no C');
  }
  const maxFolds = options.maxFolds ?? 5;
  const folds = stratifiedFolds(targets, maxFolds, options.seed);
  const smallest = labels[folds.smallestClass.index] ?? '?';
  if (folds.k < 2) {
    const c = options.cs.includes(1) ? 1 : (options.cs[0] as number);
    return {
      folds,
      results: [],
      chosen: { variant: 0, c },
      chosenResult: undefined,
      fallback: `class "${smallest}" has only ${folds.smallestClass.count} example, so nothing could be cross-validated: using the default features with C = ${c}`,
      ms: 0,
    };
  }
  if (options.skipSingle === true && variants.length === 1 && options.cs.length === 1) {
    return {
      folds,
      results: [],
      chosen: { variant: 0, c: options.cs[0] as number },
      chosenResult: undefined,
      fallback: undefined,
      ms: 0,
    };
  }
  const started = performance.now();
  const results = crossValidate(variants, targets, labels.length, folds, options.cs, options.input);
  const ms = performance.now() - started;
  const best = chooseCandidate(results, variants) as CvResult;
  return {
    folds,
    results,
    chosen: { variant: best.variant, c: best.c },
    chosenResult: best,
    fallback:
      folds.k < maxFolds
        ? `class "${smallest}" has only ${folds.smallestClass.count} examples, so ${folds.k}-fold cross-validation was used instead of ${maxFolds}-fold`
        : undefined,
    ms,
  };
}
