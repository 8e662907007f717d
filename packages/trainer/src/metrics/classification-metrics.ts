import { wilsonInterval, type ProportionInterval } from './wilson-interval.ts';

/** Precision, recall and F1 of one class. */
export interface ClassMetrics {
  readonly label: string;
  readonly precision: number;
  readonly recall: number;
  readonly f1: number;
  /** True examples of this class. */
  readonly support: number;
  /** How often the class was predicted. */
  readonly predicted: number;
}

/** Everything `hub eval` and the end of `hub train` report. */
export interface ClassificationMetrics {
  readonly count: number;
  readonly accuracy: number;
  /** 95% Wilson interval of the accuracy (how much it could move with other images of the same kind). */
  readonly accuracyInterval: ProportionInterval;
  readonly macroF1: number;
  readonly perClass: readonly ClassMetrics[];
  /** `confusion[true][predicted]` counts, in label order. */
  readonly confusion: readonly (readonly number[])[];
  readonly labels: readonly string[];
  /** Accuracy of always answering the most frequent true class: the number to beat. */
  readonly majorityBaseline: { readonly label: string; readonly accuracy: number };
  /** Mean cross-entropy, when probabilities were given. */
  readonly logLoss?: number;
  /** Plain-language problems, e.g. predictions collapsing to one class. */
  readonly warnings: readonly string[];
}

const round = (x: number): number => Math.round(x * 1e6) / 1e6;

/**
 * Accuracy, macro-F1, per-class precision/recall/support, the confusion matrix, the majority-class
 * baseline and collapse warnings, from true and predicted class indices.
 */
export function classificationMetrics(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  labels: readonly string[],
  probs?: Float32Array,
): ClassificationMetrics {
  const c = labels.length;
  const n = truth.length;
  if (predicted.length !== n) {
    throw new Error(`${n} true labels but ${predicted.length} predictions`);
  }
  const confusion = Array.from({ length: c }, () => new Array<number>(c).fill(0));
  let correct = 0;
  for (let i = 0; i < n; i++) {
    const t = truth[i] as number;
    const p = predicted[i] as number;
    (confusion[t] as number[])[p] = ((confusion[t] as number[])[p] ?? 0) + 1;
    correct += t === p ? 1 : 0;
  }
  const perClass: ClassMetrics[] = labels.map((label, k) => {
    const tp = (confusion[k] as number[])[k] ?? 0;
    const support = (confusion[k] as number[]).reduce((a, b) => a + b, 0);
    const predictedK = confusion.reduce((a, row) => a + (row[k] ?? 0), 0);
    const precision = predictedK === 0 ? 0 : tp / predictedK;
    const recall = support === 0 ? 0 : tp / support;
    const f1 = precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall);
    return {
      label,
      precision: round(precision),
      recall: round(recall),
      f1: round(f1),
      support,
      predicted: predictedK,
    };
  });
  const present = perClass.filter((m) => m.support > 0);
  const macroF1 = present.length === 0 ? 0 : present.reduce((a, m) => a + m.f1, 0) / present.length;
  const majority = perClass.reduce(
    (best, m) => (m.support > best.support ? m : best),
    perClass[0] ??
      ({
        label: '',
        support: 0,
      } as ClassMetrics),
  );

  const warnings: string[] = [];
  const predictedClasses = perClass.filter((m) => m.predicted > 0);
  const top = perClass.reduce((best, m) => (m.predicted > best.predicted ? m : best), majority);
  if (n > 1 && present.length > 1 && predictedClasses.length === 1) {
    warnings.push(
      `every prediction is "${top.label}": the head has collapsed to one class. Check that the features vary between images (preprocessing, tapped tensor) and that every class has examples.`,
    );
  } else if (n >= 10 && present.length > 1 && top.predicted / n >= 0.8 && top.support / n < 0.5) {
    warnings.push(
      `"${top.label}" gets ${Math.round((100 * top.predicted) / n)}% of predictions but is ${Math.round((100 * top.support) / n)}% of the data: predictions are close to collapsing onto one class.`,
    );
  }
  const missing = present.filter((m) => m.predicted === 0).map((m) => m.label);
  if (missing.length > 0 && predictedClasses.length > 1) {
    warnings.push(`class(es) never predicted: ${missing.join(', ')}`);
  }

  let logLoss: number | undefined;
  if (probs !== undefined && probs.length === n * c) {
    let sum = 0;
    for (let i = 0; i < n; i++) {
      sum -= Math.log(Math.max(probs[i * c + (truth[i] as number)] as number, 1e-15));
    }
    logLoss = round(sum / Math.max(1, n));
  }
  return {
    count: n,
    accuracy: round(n === 0 ? 0 : correct / n),
    accuracyInterval: wilsonInterval(correct, n),
    macroF1: round(macroF1),
    perClass,
    confusion,
    labels: [...labels],
    majorityBaseline: { label: majority.label, accuracy: round(n === 0 ? 0 : majority.support / n) },
    ...(logLoss === undefined ? {} : { logLoss }),
    warnings,
  };
}
