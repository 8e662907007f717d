/** How a head treats each feature vector before its first layer. */
export type InputNormalization = 'none' | 'l2';

/**
 * Scales every row of a row-major `[rows, dim]` matrix to unit Euclidean length (a zero row stays
 * zero), as ONNX `LpNormalization(p = 2, axis = 1)` does in `head.onnx`. Returns a new array.
 */
export function l2NormalizeRows(features: Float32Array, rows: number, dim: number): Float32Array {
  const out = new Float32Array(features.length);
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let k = 0; k < dim; k++) {
      const x = features[r * dim + k] as number;
      sum += x * x;
    }
    const scale = sum > 0 ? 1 / Math.sqrt(sum) : 0;
    for (let k = 0; k < dim; k++) {
      out[r * dim + k] = (features[r * dim + k] as number) * scale;
    }
  }
  return out;
}

/** Applies a head's input normalization (a no-op for `none`). */
export function normalizeRows(
  features: Float32Array,
  rows: number,
  dim: number,
  normalization: InputNormalization,
): Float32Array {
  return normalization === 'l2' ? l2NormalizeRows(features, rows, dim) : features;
}
