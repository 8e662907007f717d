import { normalizeRows, type InputNormalization } from './normalize-rows.ts';

/** What follows a dense layer. */
export type Activation = 'relu' | 'none';

/** One fully connected layer `y = act(x·Wᵀ + b)`, with `weight` row-major `[outDim, inDim]`. */
export interface DenseLayer {
  readonly weight: Float32Array;
  readonly bias: Float32Array;
  readonly inDim: number;
  readonly outDim: number;
  readonly activation: Activation;
}

/** Class scores of a batch, row-major `[rows, classes]`. */
export interface HeadOutput {
  readonly logits: Float32Array;
  readonly probs: Float32Array;
  readonly rows: number;
  readonly classes: number;
}

/**
 * Runs `rows` feature vectors through the layers in float32, as `head.onnx` does (L2-normalised
 * first when the head says so), and adds a softmax. It is the trainer's own prediction path, so it agrees with onnxruntime on every argmax.
 */
export function forwardLayers(
  layers: readonly DenseLayer[],
  features: Float32Array,
  rows: number,
  normalization: InputNormalization = 'none',
): HeadOutput {
  let inDim = layers[0]?.inDim ?? 0;
  if (features.length !== rows * inDim) {
    throw new Error(`expected ${rows}×${inDim} features, got ${features.length} values`);
  }
  let input = normalizeRows(features, rows, inDim, normalization);
  for (const layer of layers) {
    const { weight, bias, outDim, activation } = layer;
    const out = new Float32Array(rows * outDim);
    for (let r = 0; r < rows; r++) {
      const xo = r * inDim;
      for (let o = 0; o < outDim; o++) {
        const wo = o * inDim;
        let s = 0;
        for (let k = 0; k < inDim; k++) {
          s += (input[xo + k] as number) * (weight[wo + k] as number);
        }
        s += bias[o] as number;
        out[r * outDim + o] = activation === 'relu' && s < 0 ? 0 : s;
      }
    }
    input = out;
    inDim = outDim;
  }
  const probs = new Float32Array(input.length);
  for (let r = 0; r < rows; r++) {
    const off = r * inDim;
    let max = -Infinity;
    for (let k = 0; k < inDim; k++) {
      max = Math.max(max, input[off + k] as number);
    }
    let sum = 0;
    for (let k = 0; k < inDim; k++) {
      const e = Math.exp((input[off + k] as number) - max);
      probs[off + k] = e;
      sum += e;
    }
    for (let k = 0; k < inDim; k++) {
      probs[off + k] = (probs[off + k] as number) / sum;
    }
  }
  return { logits: input, probs, rows, classes: inDim };
}

/** The index of the largest value of each row. */
export function argmaxRows(values: Float32Array | Float64Array, rows: number, cols: number): Int32Array {
  const out = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let k = 0; k < cols; k++) {
      const v = values[r * cols + k] as number;
      if (v > bestValue) {
        bestValue = v;
        best = k;
      }
    }
    out[r] = best;
  }
  return out;
}
