/** Training data after standardisation: row-major float64 features and class indices. */
export interface TrainingSet {
  readonly x: Float64Array;
  readonly y: Int32Array;
  readonly rows: number;
  readonly dim: number;
}

/** One epoch (Adam) or iteration (L-BFGS) of training, for progress lines and the manifest. */
export interface EpochRecord {
  readonly epoch: number;
  readonly trainLoss: number;
  readonly valLoss?: number;
  readonly valAccuracy?: number;
}

/** Why training ended. */
export type StopReason = 'converged' | 'early-stopping' | 'max-epochs' | 'line-search';

/** Float64 parameters of one dense layer, `[outDim, inDim]` row-major, in standardised space. */
export interface LayerParams {
  readonly weight: Float64Array;
  readonly bias: Float64Array;
  readonly inDim: number;
  readonly outDim: number;
}

/** What a fitter returns: the parameters with the best validation loss (or the last ones). */
export interface FitResult {
  readonly layers: readonly LayerParams[];
  readonly history: readonly EpochRecord[];
  /** Epoch whose parameters were kept. */
  readonly bestEpoch: number;
  readonly stopReason: StopReason;
}

/** Options every fitter shares. */
export interface CommonFitOptions {
  readonly numClasses: number;
  /** L2 penalty `(l2 / 2)·‖W‖²` added to the mean (class-weighted) cross-entropy; biases are free. */
  readonly l2: number;
  /** Per-class loss weights (e.g. from `balancedClassWeights`); equal weights when absent. */
  readonly classWeights?: Float64Array;
  /** Upper bound on epochs (Adam) or iterations (L-BFGS). */
  readonly maxEpochs: number;
  /** Stop after this many epochs without a better validation loss; the best epoch is kept. */
  readonly patience: number;
  readonly onEpoch?: (record: EpochRecord) => void;
}

/** Normalised per-sample weights: `classWeights[y_i]`, summing to 1 over the set. */
export function sampleWeights(y: Int32Array, classWeights: Float64Array | undefined): Float64Array {
  const w = new Float64Array(y.length);
  let sum = 0;
  for (let i = 0; i < y.length; i++) {
    const v = classWeights === undefined ? 1 : (classWeights[y[i] as number] ?? 0);
    w[i] = v;
    sum += v;
  }
  for (let i = 0; i < y.length; i++) {
    w[i] = (w[i] as number) / (sum > 0 ? sum : 1);
  }
  return w;
}
