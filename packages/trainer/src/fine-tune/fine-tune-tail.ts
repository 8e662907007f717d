import * as tf from '@tensorflow/tfjs';

import type { DenseLayer } from '../fit/dense-layer.ts';
import type { EpochRecord, StopReason } from '../fit/fit-types.ts';
import type { LabelledFeatures, TrainedHead } from '../fit/train-head.ts';
import { foldStandardizer } from '../fit/standardizer.ts';
import { SeededRandom } from '../random/seeded-random.ts';
import { withMemoryHint } from './memory-hint.ts';
import { useTrainingBackend } from './wasm-training-backend.ts';

/** Options of {@link fineTuneTail}. */
export interface FineTuneTailOptions {
  /** Cut activations → tap features; its layers are the backbone's own (trained in place). */
  readonly tail: tf.LayersModel;
  /** Flattened cut activations with class indices. */
  readonly train: LabelledFeatures;
  readonly validation: LabelledFeatures;
  /** The head to start from: the Option-1 head fitted on the tail's initial outputs. */
  readonly head: Pick<TrainedHead, 'layers' | 'standardizer'>;
  readonly numClasses: number;
  /** Low, so the pretrained values move little. @default 1e-4 */
  readonly learningRate?: number;
  /** @default 20 */
  readonly maxEpochs?: number;
  /** @default 16 */
  readonly batchSize?: number;
  /** @default 5 */
  readonly patience?: number;
  /** L2 on the head's weights. @default 1e-4 */
  readonly l2?: number;
  readonly seed: number;
  readonly onEpoch?: (record: EpochRecord) => void;
}

/** The fine-tuned head (the tail was trained in place) and how training went. */
export interface FineTuneTailResult {
  readonly head: DenseLayer[];
  readonly history: EpochRecord[];
  readonly bestEpoch: number;
  readonly stopReason: StopReason;
  readonly recipe: Readonly<Record<string, unknown>>;
  readonly fitMs: number;
}

function rowsTensor(set: LabelledFeatures, rows: readonly number[], shape: readonly number[]): tf.Tensor {
  const dim = set.features.length / Math.max(1, set.rows);
  const data = new Float32Array(rows.length * dim);
  rows.forEach((r, i) => data.set(set.features.subarray(r * dim, (r + 1) * dim), i * dim));
  return tf.tensor(data, [rows.length, ...shape]);
}

/** Runs the tail on flattened cut activations, in batches; returns row-major `[rows, outDim]`. */
export function runTail(
  tail: tf.LayersModel,
  features: Float32Array,
  rows: number,
  batch = 32,
): Float32Array {
  const shape = (tail.inputs[0]?.shape ?? []).slice(1) as number[];
  const set: LabelledFeatures = { features, targets: new Int32Array(rows), rows };
  const parts: Float32Array[] = [];
  for (let start = 0; start < rows; start += batch) {
    const idx = Array.from({ length: Math.min(batch, rows - start) }, (_, i) => start + i);
    const out = tf.tidy(() => {
      const y = tail.apply(rowsTensor(set, idx, shape), { training: false }) as tf.Tensor;
      return y.reshape([idx.length, -1]);
    });
    parts.push(out.dataSync() as Float32Array);
    out.dispose();
  }
  const total = parts.reduce((a, p) => a + p.length, 0);
  const all = new Float32Array(total);
  let off = 0;
  for (const p of parts) {
    all.set(p, off);
    off += p.length;
  }
  return all;
}

/**
 * Option 2 on cached activations: trains the tail (the backbone's last layers, BatchNorm
 * statistics frozen: every call runs in inference mode) together with the head, by Adam at a low
 * learning rate on the wasm backend (with the gradient kernels of wasm-training-backend.ts), starting from the pretrained values and the Option-1 head.
 * Keeps the epoch with the lowest validation loss (restoring its weights) and stops after
 * `patience` epochs without one.
 */
export async function fineTuneTail(options: FineTuneTailOptions): Promise<FineTuneTailResult> {
  await useTrainingBackend();
  const started = performance.now();
  const { tail, train, validation } = options;
  const shape = (tail.inputs[0]?.shape ?? []).slice(1) as number[];
  const lr = options.learningRate ?? 1e-4;
  const maxEpochs = options.maxEpochs ?? 20;
  const batch = Math.max(1, Math.min(options.batchSize ?? 16, train.rows));
  const patience = options.patience ?? 5;
  const l2 = options.l2 ?? 1e-4;
  const c = options.numClasses;

  // Train in the standardised space the head was fitted in (so the tail's small changes are not
  // amplified by folded weights), then fold again: W = W'·std per input column, b = b' + W'·mean.
  const { mean, std } = options.head.standardizer;
  const headVars = options.head.layers.map((layer, li) => {
    const kernel = new Float32Array(layer.inDim * layer.outDim);
    const bias = Float32Array.from(layer.bias);
    for (let o = 0; o < layer.outDim; o++) {
      for (let k = 0; k < layer.inDim; k++) {
        const w = layer.weight[o * layer.inDim + k] as number;
        kernel[k * layer.outDim + o] = li === 0 ? w * (std[k] as number) : w;
        if (li === 0) {
          bias[o] = (bias[o] as number) + w * (mean[k] as number);
        }
      }
    }
    return {
      kernel: tf.variable(tf.tensor2d(kernel, [layer.inDim, layer.outDim])),
      bias: tf.variable(tf.tensor1d(bias)),
      layer,
    };
  });
  const meanT = tf.tensor1d(Float32Array.from(mean));
  const stdT = tf.tensor1d(Float32Array.from(std));
  const tailVars = tail.trainableWeights.map((w) => w.read() as tf.Variable);
  const allVars: tf.Variable[] = [...tailVars, ...headVars.flatMap((h) => [h.kernel, h.bias])];

  const logitsOf = (x: tf.Tensor): tf.Tensor2D => {
    const y = tail.apply(x, { training: false }) as tf.Tensor;
    let h: tf.Tensor2D = y
      .reshape<tf.Tensor2D>([x.shape[0] ?? 1, -1])
      .sub(meanT)
      .div(stdT);
    for (const v of headVars) {
      h = tf.add(tf.matMul(h, v.kernel), v.bias);
      if (v.layer.activation === 'relu') {
        h = tf.relu(h);
      }
    }
    return h;
  };
  const lossOf = (x: tf.Tensor, y: tf.Tensor, withPenalty: boolean): tf.Scalar =>
    tf.tidy(() => {
      const ce = tf.losses.softmaxCrossEntropy(y, logitsOf(x));
      if (!withPenalty) {
        return ce as tf.Scalar;
      }
      const penalty = headVars.reduce((acc, v) => acc.add(v.kernel.square().sum()), tf.scalar(0));
      return ce.add<tf.Scalar>(penalty.mul(l2 / 2));
    });
  const evaluate = (): { loss: number; accuracy: number } => {
    let loss = 0;
    let correct = 0;
    for (let start = 0; start < validation.rows; start += 32) {
      const idx = Array.from({ length: Math.min(32, validation.rows - start) }, (_, i) => start + i);
      const [l, hits] = tf.tidy(() => {
        const x = rowsTensor(validation, idx, shape);
        const labels = tf.tensor1d(
          idx.map((i) => validation.targets[i] ?? 0),
          'int32',
        );
        const logits = logitsOf(x);
        const ce = tf.losses.softmaxCrossEntropy(
          tf.oneHot(labels, c),
          logits,
          undefined,
          undefined,
          tf.Reduction.SUM,
        );
        return [ce.dataSync()[0] ?? 0, tf.equal(logits.argMax(1), labels).sum().dataSync()[0] ?? 0];
      });
      loss += l;
      correct += hits;
    }
    return { loss: loss / Math.max(1, validation.rows), accuracy: correct / Math.max(1, validation.rows) };
  };

  const optimizer = tf.train.adam(lr);
  const rng = new SeededRandom(options.seed);
  const order = Array.from({ length: train.rows }, (_, i) => i);
  const history: EpochRecord[] = [];
  let best = allVars.map((v) => tf.keep(v.clone()));
  let bestVal = evaluate().loss;
  let bestEpoch = 0;
  let since = 0;
  let stopReason: StopReason = 'max-epochs';
  try {
    for (let epoch = 1; epoch <= maxEpochs; epoch++) {
      rng.shuffle(order);
      let trainLoss = 0;
      let batches = 0;
      for (let start = 0; start < train.rows; start += batch) {
        const idx = order.slice(start, start + batch);
        const cost = tf.tidy((): tf.Scalar => {
          const x = rowsTensor(train, idx, shape);
          const y = tf.oneHot(
            tf.tensor1d(
              idx.map((i) => train.targets[i] ?? 0),
              'int32',
            ),
            c,
          );
          const value = withMemoryHint(batch, () =>
            optimizer.minimize(() => lossOf(x, y, true), true, allVars),
          );
          return value ?? tf.scalar(Number.NaN);
        });
        trainLoss += cost.dataSync()[0] ?? 0;
        cost.dispose();
        batches++;
      }
      const v = evaluate();
      const record = {
        epoch,
        trainLoss: trainLoss / Math.max(1, batches),
        valLoss: v.loss,
        valAccuracy: v.accuracy,
      };
      history.push(record);
      options.onEpoch?.(record);
      if (v.loss < bestVal - 1e-6) {
        bestVal = v.loss;
        bestEpoch = epoch;
        since = 0;
        for (const t of best) {
          t.dispose();
        }
        best = allVars.map((w) => tf.keep(w.clone()));
      } else if (++since >= patience) {
        stopReason = 'early-stopping';
        break;
      }
    }
    allVars.forEach((w, i) => w.assign(best[i] as tf.Tensor));
    const head: DenseLayer[] = headVars.map((h, li) => {
      const { inDim, outDim, activation } = h.layer;
      const kernel = h.kernel.dataSync() as Float32Array;
      const weight = new Float64Array(inDim * outDim);
      for (let o = 0; o < outDim; o++) {
        for (let k = 0; k < inDim; k++) {
          weight[o * inDim + k] = kernel[k * outDim + o] as number;
        }
      }
      const bias = Float64Array.from(h.bias.dataSync());
      const folded =
        li === 0
          ? foldStandardizer(weight, bias, outDim, options.head.standardizer)
          : { weight: Float32Array.from(weight), bias: Float32Array.from(bias) };
      return { ...folded, inDim, outDim, activation };
    });
    return {
      head,
      history,
      bestEpoch,
      stopReason,
      recipe: {
        optimizer: 'adam',
        learningRate: lr,
        batchSize: batch,
        maxEpochs,
        patience,
        l2,
        batchNorm: 'statistics frozen (inference mode)',
        backend: 'wasm',
        warmStart: 'Option-1 head on the tail outputs',
        epochsRun: history.length,
        bestEpoch,
        stopReason,
      },
      fitMs: performance.now() - started,
    };
  } finally {
    for (const t of best) {
      t.dispose();
    }
    for (const h of headVars) {
      h.kernel.dispose();
      h.bias.dispose();
    }
    optimizer.dispose();
    meanT.dispose();
    stdT.dispose();
  }
}
