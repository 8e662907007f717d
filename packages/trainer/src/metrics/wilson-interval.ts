/** A confidence interval for a proportion. */
export interface ProportionInterval {
  readonly low: number;
  readonly high: number;
  /** e.g. 0.95 */
  readonly confidence: number;
  readonly method: 'wilson';
}

/**
 * The Wilson score interval for `successes` out of `n` at 95% (z = 1.96): unlike the normal
 * approximation it stays inside [0, 1] and is honest for small n and for accuracies near 0 or 1.
 */
export function wilsonInterval(successes: number, n: number, z = 1.959963984540054): ProportionInterval {
  if (n <= 0) {
    return { low: 0, high: 1, confidence: 0.95, method: 'wilson' };
  }
  const p = successes / n;
  const z2 = z * z;
  const centre = (p + z2 / (2 * n)) / (1 + z2 / n);
  const half = (z * Math.sqrt((p * (1 - p)) / n + z2 / (4 * n * n))) / (1 + z2 / n);
  const round = (x: number): number => Math.round(x * 1e6) / 1e6;
  return {
    low: round(Math.max(0, centre - half)),
    high: round(Math.min(1, centre + half)),
    confidence: 0.95,
    method: 'wilson',
  };
}
