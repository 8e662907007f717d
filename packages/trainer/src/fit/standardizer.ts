import type { DenseLayer } from './dense-layer.ts';

/** Per-dimension z-scoring `(x − mean) / std`, fitted on the training features. */
export interface Standardizer {
  readonly mean: Float64Array;
  readonly std: Float64Array;
}

/**
/**
 * How features are scaled before fitting: `per-dimension` z-scores each column; `global` centres
 * each column but divides all by one standard deviation (the root-mean-square of every centred
 * value), which keeps the columns' relative scales (per-column deviations estimated from a few
 * dozen images are noisy); `none` leaves them as they are (TF-IDF rows, already L2-normalised, as
 * scikit-learn's `TfidfVectorizer` + `LogisticRegression` take them).
 */
export type FeatureScaling = 'per-dimension' | 'global' | 'none';

/** The scaling that changes nothing (mean 0, std 1 in every column). */
export function identityStandardizer(cols: number): Standardizer {
  return { mean: new Float64Array(cols), std: new Float64Array(cols).fill(1) };
}

/**
 * Fits mean and (population) std per column; a constant column gets std 1 so it maps to 0. With
 * `global` scaling every column gets the same std.
 */
export function fitStandardizer(
  features: Float32Array,
  rows: number,
  cols: number,
  scaling: Exclude<FeatureScaling, 'none'> = 'per-dimension',
): Standardizer {
  const mean = new Float64Array(cols);
  const std = new Float64Array(cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      mean[k] = (mean[k] as number) + (features[r * cols + k] as number);
    }
  }
  for (let k = 0; k < cols; k++) {
    mean[k] = (mean[k] as number) / Math.max(1, rows);
  }
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      const d = (features[r * cols + k] as number) - (mean[k] as number);
      std[k] = (std[k] as number) + d * d;
    }
  }
  if (scaling === 'global') {
    const total = std.reduce((a, b) => a + b, 0);
    const s = Math.sqrt(total / Math.max(1, rows * cols));
    std.fill(s > 1e-12 ? s : 1);
    return { mean, std };
  }
  for (let k = 0; k < cols; k++) {
    const s = Math.sqrt((std[k] as number) / Math.max(1, rows));
    std[k] = s > 1e-8 * Math.max(1, Math.abs(mean[k] as number)) ? s : 1;
  }
  return { mean, std };
}

/** Z-scores a row-major feature matrix into a new float64 array. */
export function applyStandardizer(features: Float32Array, rows: number, s: Standardizer): Float64Array {
  const cols = s.mean.length;
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < cols; k++) {
      out[r * cols + k] = ((features[r * cols + k] as number) - (s.mean[k] as number)) / (s.std[k] as number);
    }
  }
  return out;
}

/**
 * Folds the standardisation into the first layer, so the exported head takes raw features:
 * `W' = W / std` (per input column) and `b' = b − W'·mean`.
 */
export function foldStandardizer(
  weight: Float64Array,
  bias: Float64Array,
  outDim: number,
  s: Standardizer,
): { weight: Float32Array; bias: Float32Array } {
  const inDim = s.mean.length;
  const w = new Float32Array(outDim * inDim);
  const b = new Float32Array(outDim);
  for (let o = 0; o < outDim; o++) {
    let shift = 0;
    for (let k = 0; k < inDim; k++) {
      const folded = (weight[o * inDim + k] as number) / (s.std[k] as number);
      w[o * inDim + k] = folded;
      shift += folded * (s.mean[k] as number);
    }
    b[o] = (bias[o] as number) - shift;
  }
  return { weight: w, bias: b };
}

/** Converts float64 training parameters to float32 layers on raw features (first layer folded). */
export function toExportLayers(
  params: readonly { weight: Float64Array; bias: Float64Array; inDim: number; outDim: number }[],
  s: Standardizer,
): DenseLayer[] {
  return params.map((p, i) => {
    const last = i === params.length - 1;
    const folded =
      i === 0
        ? foldStandardizer(p.weight, p.bias, p.outDim, s)
        : { weight: Float32Array.from(p.weight), bias: Float32Array.from(p.bias) };
    return { ...folded, inDim: p.inDim, outDim: p.outDim, activation: last ? 'none' : 'relu' };
  });
}
