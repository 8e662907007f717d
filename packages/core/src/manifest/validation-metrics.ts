import type { HeadManifest } from './head-manifest.ts';

/** One class's validation scores, as the trainer records them. */
export interface ClassScores {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  readonly support: number;
}

/** The validation numbers of a head's manifest, read defensively (the file is untrusted). */
export interface ValidationMetrics {
  /**
   * How hub train measured them: on a held-out split, or out of fold by k-fold cross-validation
   * on the training examples (the default for linear heads, which are then refitted on all).
   */
  readonly kind:
    { readonly method: 'held-out' } | { readonly method: 'cross-validated'; readonly k: number | undefined };
  readonly count: number | undefined;
  readonly accuracy: number | undefined;
  readonly macroF1: number | undefined;
  readonly logLoss: number | undefined;
  readonly baseline: { readonly label: string; readonly accuracy: number } | undefined;
  readonly perClass: readonly ClassScores[];
  readonly warnings: readonly string[];
}

function numberOr(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
}

/** The `metrics.validation` record of a head manifest (the web page and `hub inspect` read it). */
export function validationMetrics(manifest: HeadManifest): ValidationMetrics {
  const raw = manifest.metrics['validation'];
  const v = typeof raw === 'object' && raw !== null ? (raw as Record<string, unknown>) : {};
  const perClass = Array.isArray(v['perClass']) ? (v['perClass'] as unknown[]) : [];
  const baseline = v['majorityBaseline'] as { label?: unknown; accuracy?: unknown } | undefined;
  const selection = manifest.training['selection'];
  const k =
    typeof selection === 'object' && selection !== null
      ? numberOr((selection as Record<string, unknown>)['k'])
      : undefined;
  return {
    kind:
      manifest.metrics['validationKind'] === 'cross-validated'
        ? { method: 'cross-validated', k }
        : { method: 'held-out' },
    count: numberOr(v['count']),
    accuracy: numberOr(v['accuracy']),
    macroF1: numberOr(v['macroF1']),
    logLoss: numberOr(v['logLoss']),
    baseline:
      typeof baseline?.label === 'string' && typeof baseline.accuracy === 'number'
        ? { label: baseline.label, accuracy: baseline.accuracy }
        : undefined,
    perClass: perClass.flatMap((c) => {
      const r = (typeof c === 'object' && c !== null ? c : {}) as Record<string, unknown>;
      const label = r['label'];
      const [precision, recall, f1, support] = [r['precision'], r['recall'], r['f1'], r['support']].map(
        numberOr,
      );
      return typeof label === 'string' &&
        precision !== undefined &&
        recall !== undefined &&
        f1 !== undefined &&
        support !== undefined
        ? [{ label, precision, recall, f1, support }]
        : [];
    }),
    warnings: Array.isArray(v['warnings'])
      ? v['warnings'].filter((w): w is string => typeof w === 'string')
      : [],
  };
}
