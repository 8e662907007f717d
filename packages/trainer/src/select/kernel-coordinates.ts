/** Training and test rows as coordinates in an orthonormal basis of the training rows' span. */
export interface KernelCoordinates {
  /** `[trainRows, rank]`. */
  readonly train: Float64Array;
  /** `[testRows, rank]`: each test row projected onto the span. */
  readonly test: Float64Array;
  readonly rank: number;
}

/**
 * Coordinates from inner products alone: `gram` (`n × n`, the training rows' dot products) and
 * `cross` (`m × n`, test rows · training rows). A pivoted Cholesky factorisation of the Gram matrix
 * is Gram–Schmidt on the training rows (pivots whose remaining norm falls under 1e-12 of the largest
 * are dropped: those rows already lie in the span), so the coordinates keep every dot product and
 * length. An L2-penalised linear model's weights lie in that span (the gradient of its penalised
 * loss is a combination of the training rows plus a multiple of the weights), so fitting it on
 * these `rank ≤ n` columns gives the same penalty, the same logits and the same predictions as on
 * all features: much cheaper when features outnumber training images.
 */
export function kernelCoordinates(
  gram: Float64Array,
  n: number,
  cross: Float64Array,
  m: number,
): KernelCoordinates {
  const l = new Float64Array(n * n);
  const rest = new Float64Array(n);
  let largest = 0;
  for (let i = 0; i < n; i++) {
    rest[i] = gram[i * n + i] as number;
    largest = Math.max(largest, rest[i] as number);
  }
  const chosen = new Uint8Array(n);
  const pivots: number[] = [];
  for (let j = 0; j < n; j++) {
    let p = -1;
    for (let i = 0; i < n; i++) {
      if (chosen[i] === 0 && (p < 0 || (rest[i] as number) > (rest[p] as number))) {
        p = i;
      }
    }
    if (p < 0 || (rest[p] as number) <= 1e-12 * largest) {
      break;
    }
    chosen[p] = 1;
    pivots.push(p);
    const ljj = Math.sqrt(rest[p] as number);
    l[p * n + j] = ljj;
    for (let i = 0; i < n; i++) {
      if (chosen[i] === 1) {
        continue;
      }
      let s = gram[i * n + p] as number;
      for (let k = 0; k < j; k++) {
        s -= (l[i * n + k] as number) * (l[p * n + k] as number);
      }
      const lij = s / ljj;
      l[i * n + j] = lij;
      rest[i] = (rest[i] as number) - lij * lij;
    }
  }
  const rank = pivots.length;
  const train = new Float64Array(n * rank);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < rank; j++) {
      train[i * rank + j] = l[i * n + j] as number;
    }
  }
  // A test row's coordinates match its dot products with the pivot rows: forward substitution.
  const test = new Float64Array(m * rank);
  for (let r = 0; r < m; r++) {
    for (let j = 0; j < rank; j++) {
      const p = pivots[j] as number;
      let s = cross[r * n + p] as number;
      for (let k = 0; k < j; k++) {
        s -= (test[r * rank + k] as number) * (l[p * n + k] as number);
      }
      test[r * rank + j] = s / (l[p * n + j] as number);
    }
  }
  return { train, test, rank };
}
