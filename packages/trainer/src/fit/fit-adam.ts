import { SeededRandom } from '../random/seeded-random.ts';
import type {
  CommonFitOptions,
  EpochRecord,
  FitResult,
  LayerParams,
  StopReason,
  TrainingSet,
} from './fit-types.ts';
import { sampleWeights } from './fit-types.ts';

/** Options of {@link fitAdam}. */
export interface AdamOptions extends CommonFitOptions {
  /** Hidden layer widths (ReLU); empty for softmax regression. */
  readonly hidden: readonly number[];
  /** @default 1e-3 */
  readonly learningRate?: number;
  /** @default 32 */
  readonly batchSize?: number;
  /** Seeds the initial weights and the mini-batch order. */
  readonly seed: number;
}

interface Net {
  readonly layers: LayerParams[];
  /** Activations per layer for one batch (index 0 = input), each `[batch, width]`. */
  readonly acts: Float64Array[];
  /** Gradient w.r.t. each layer's output for one batch. */
  readonly deltas: Float64Array[];
}

function forward(net: Net, x: Float64Array, xOff: number, order: Int32Array | undefined, rows: number): void {
  const { layers, acts } = net;
  const input = acts[0] as Float64Array;
  const dim = (layers[0] as LayerParams).inDim;
  for (let r = 0; r < rows; r++) {
    const src = (order === undefined ? xOff + r : (order[xOff + r] as number)) * dim;
    for (let k = 0; k < dim; k++) {
      input[r * dim + k] = x[src + k] as number;
    }
  }
  layers.forEach((layer, li) => {
    const a = acts[li] as Float64Array;
    const out = acts[li + 1] as Float64Array;
    const { weight, bias, inDim, outDim } = layer;
    const relu = li < layers.length - 1;
    for (let r = 0; r < rows; r++) {
      for (let o = 0; o < outDim; o++) {
        let s = bias[o] as number;
        const wo = o * inDim;
        const ao = r * inDim;
        for (let k = 0; k < inDim; k++) {
          s += (weight[wo + k] as number) * (a[ao + k] as number);
        }
        out[r * outDim + o] = relu && s < 0 ? 0 : s;
      }
    }
  });
}

/** Softmax in place over each row of the last activation; returns the rows' cross-entropies. */
function softmaxLoss(
  logits: Float64Array,
  rows: number,
  c: number,
  labelAt: (r: number) => number,
  weightAt: (r: number) => number,
): { loss: number; correct: number } {
  let loss = 0;
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    const off = r * c;
    let max = -Infinity;
    let arg = 0;
    for (let k = 0; k < c; k++) {
      const v = logits[off + k] as number;
      if (v > max) {
        max = v;
        arg = k;
      }
    }
    let sum = 0;
    for (let k = 0; k < c; k++) {
      const e = Math.exp((logits[off + k] as number) - max);
      logits[off + k] = e;
      sum += e;
    }
    const y = labelAt(r);
    for (let k = 0; k < c; k++) {
      logits[off + k] = (logits[off + k] as number) / sum;
    }
    loss += weightAt(r) * -Math.log(Math.max(logits[off + y] as number, 1e-300));
    correct += arg === y ? 1 : 0;
  }
  return { loss, correct };
}

function evaluate(net: Net, set: TrainingSet, batch: number, c: number): { loss: number; accuracy: number } {
  let loss = 0;
  let correct = 0;
  const out = net.acts[net.acts.length - 1] as Float64Array;
  for (let start = 0; start < set.rows; start += batch) {
    const rows = Math.min(batch, set.rows - start);
    forward(net, set.x, start, undefined, rows);
    const r = softmaxLoss(
      out,
      rows,
      c,
      (i) => set.y[start + i] as number,
      () => 1,
    );
    loss += r.loss;
    correct += r.correct;
  }
  return { loss: loss / Math.max(1, set.rows), accuracy: correct / Math.max(1, set.rows) };
}

/**
 * Fits a softmax head, optionally with ReLU hidden layers, by mini-batch Adam on standardised
 * features. Initial weights (He-normal) and batch order come from the seed, so a run repeats
 * exactly; with a validation set it keeps the epoch with the lowest validation loss and stops after
 * `patience` epochs without improvement.
 */
export function fitAdam(
  train: TrainingSet,
  validation: TrainingSet | undefined,
  options: AdamOptions,
): FitResult {
  const c = options.numClasses;
  const rng = new SeededRandom(options.seed);
  const widths = [train.dim, ...options.hidden, c];
  const batch = Math.max(1, Math.min(options.batchSize ?? 32, train.rows));
  const evalBatch = 256;
  const layers: LayerParams[] = [];
  for (let i = 0; i + 1 < widths.length; i++) {
    const inDim = widths[i] as number;
    const outDim = widths[i + 1] as number;
    const weight = new Float64Array(outDim * inDim);
    const scale = i + 2 < widths.length ? Math.sqrt(2 / inDim) : Math.sqrt(1 / inDim);
    for (let p = 0; p < weight.length; p++) {
      weight[p] = rng.normal() * scale;
    }
    layers.push({ weight, bias: new Float64Array(outDim), inDim, outDim });
  }
  const maxRows = Math.max(batch, evalBatch);
  const net: Net = {
    layers,
    acts: widths.map((w) => new Float64Array(maxRows * w)),
    deltas: widths.map((w) => new Float64Array(maxRows * w)),
  };
  const grads = layers.map((l) => ({
    weight: new Float64Array(l.weight.length),
    bias: new Float64Array(l.outDim),
  }));
  const m1 = layers.map((l) => ({
    weight: new Float64Array(l.weight.length),
    bias: new Float64Array(l.outDim),
  }));
  const m2 = layers.map((l) => ({
    weight: new Float64Array(l.weight.length),
    bias: new Float64Array(l.outDim),
  }));
  const lr = options.learningRate ?? 1e-3;
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-8;
  const l2 = options.l2;
  const classW = sampleWeights(train.y, options.classWeights);
  const order = new Int32Array(train.rows);
  const perm = Array.from({ length: train.rows }, (_, i) => i);
  let t = 0;

  const history: EpochRecord[] = [];
  let best: { weight: Float64Array; bias: Float64Array }[] = layers.map((l) => ({
    weight: Float64Array.from(l.weight),
    bias: Float64Array.from(l.bias),
  }));
  let bestEpoch = 0;
  let bestVal = Infinity;
  let sinceBest = 0;
  let stopReason: StopReason = 'max-epochs';
  const out = net.acts[net.acts.length - 1] as Float64Array;

  for (let epoch = 1; epoch <= options.maxEpochs; epoch++) {
    rng.shuffle(perm);
    order.set(perm);
    let trainLoss = 0;
    for (let start = 0; start < train.rows; start += batch) {
      const rows = Math.min(batch, train.rows - start);
      forward(net, train.x, start, order, rows);
      let wsum = 0;
      for (let r = 0; r < rows; r++) {
        wsum += classW[order[start + r] as number] as number;
      }
      const norm = wsum > 0 ? 1 / wsum : 0;
      const sw = (r: number): number => (classW[order[start + r] as number] as number) * norm;
      const { loss } = softmaxLoss(out, rows, c, (r) => train.y[order[start + r] as number] as number, sw);
      trainLoss += loss;
      // d loss / d logits = sw·(p − onehot)
      const top = net.deltas[layers.length] as Float64Array;
      for (let r = 0; r < rows; r++) {
        const y = train.y[order[start + r] as number] as number;
        const w = sw(r);
        for (let k = 0; k < c; k++) {
          top[r * c + k] = w * ((out[r * c + k] as number) - (k === y ? 1 : 0));
        }
      }
      for (let li = layers.length - 1; li >= 0; li--) {
        const layer = layers[li] as LayerParams;
        const { inDim, outDim, weight } = layer;
        const delta = net.deltas[li + 1] as Float64Array;
        const a = net.acts[li] as Float64Array;
        const gw = (grads[li] as { weight: Float64Array }).weight;
        const gb = (grads[li] as { bias: Float64Array }).bias;
        gb.fill(0);
        for (let p = 0; p < weight.length; p++) {
          gw[p] = l2 * (weight[p] as number);
        }
        for (let r = 0; r < rows; r++) {
          for (let o = 0; o < outDim; o++) {
            const d = delta[r * outDim + o] as number;
            if (d === 0) {
              continue;
            }
            gb[o] = (gb[o] as number) + d;
            const wo = o * inDim;
            const ao = r * inDim;
            for (let k = 0; k < inDim; k++) {
              gw[wo + k] = (gw[wo + k] as number) + d * (a[ao + k] as number);
            }
          }
        }
        if (li > 0) {
          const below = net.deltas[li] as Float64Array;
          for (let r = 0; r < rows; r++) {
            for (let k = 0; k < inDim; k++) {
              // ReLU: the activation below is zero exactly where its gradient is cut.
              if ((a[r * inDim + k] as number) <= 0) {
                below[r * inDim + k] = 0;
                continue;
              }
              let s = 0;
              for (let o = 0; o < outDim; o++) {
                s += (delta[r * outDim + o] as number) * (weight[o * inDim + k] as number);
              }
              below[r * inDim + k] = s;
            }
          }
        }
      }
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      layers.forEach((layer, li) => {
        const g = grads[li] as { weight: Float64Array; bias: Float64Array };
        const a1 = m1[li] as { weight: Float64Array; bias: Float64Array };
        const a2 = m2[li] as { weight: Float64Array; bias: Float64Array };
        for (const key of ['weight', 'bias'] as const) {
          const param = layer[key];
          const grad = g[key];
          const mom = a1[key];
          const vel = a2[key];
          for (let p = 0; p < param.length; p++) {
            const gp = grad[p] as number;
            const mp = beta1 * (mom[p] as number) + (1 - beta1) * gp;
            const vp = beta2 * (vel[p] as number) + (1 - beta2) * gp * gp;
            mom[p] = mp;
            vel[p] = vp;
            param[p] = (param[p] as number) - (lr * (mp / c1)) / (Math.sqrt(vp / c2) + eps);
          }
        }
      });
    }
    let penalty = 0;
    for (const layer of layers) {
      for (const w of layer.weight) {
        penalty += 0.5 * l2 * w * w;
      }
    }
    const meanTrain = trainLoss / Math.max(1, Math.ceil(train.rows / batch)) + penalty;
    if (validation === undefined) {
      const record = { epoch, trainLoss: meanTrain };
      history.push(record);
      options.onEpoch?.(record);
      bestEpoch = epoch;
      continue;
    }
    const v = evaluate(net, validation, evalBatch, c);
    const record = { epoch, trainLoss: meanTrain, valLoss: v.loss, valAccuracy: v.accuracy };
    history.push(record);
    options.onEpoch?.(record);
    if (v.loss < bestVal - 1e-6) {
      bestVal = v.loss;
      best = layers.map((l) => ({ weight: Float64Array.from(l.weight), bias: Float64Array.from(l.bias) }));
      bestEpoch = epoch;
      sinceBest = 0;
    } else if (++sinceBest >= options.patience) {
      stopReason = 'early-stopping';
      break;
    }
  }
  if (validation === undefined) {
    best = layers.map((l) => ({ weight: l.weight, bias: l.bias }));
  }
  return {
    layers: layers.map((l, i) => ({
      weight: (best[i] as { weight: Float64Array }).weight,
      bias: (best[i] as { bias: Float64Array }).bias,
      inDim: l.inDim,
      outDim: l.outDim,
    })),
    history,
    bestEpoch,
    stopReason,
  };
}
