import { describe, expect, it } from 'vitest';

import { classificationMetrics } from '../metrics/classification-metrics.ts';
import { argmaxRows, forwardLayers } from './dense-layer.ts';
import { applyStandardizer } from './standardizer.ts';
import { gaussianBlobs, xorClusters } from '../../test/helpers/synthetic-data.ts';
import { trainHead, type LabelledFeatures, type TrainedHead } from './train-head.ts';

function accuracy(head: TrainedHead, set: LabelledFeatures): number {
  const out = forwardLayers(head.layers, set.features, set.rows);
  const pred = argmaxRows(out.probs, set.rows, head.numClasses);
  return classificationMetrics(set.targets, pred, ['a', 'b', 'c', 'd'].slice(0, head.numClasses)).accuracy;
}

describe('trainHead', () => {
  const train = gaussianBlobs(1, 4, 30, 8, 1.0);
  const val = gaussianBlobs(2, 4, 10, 8, 1.0);
  const test = gaussianBlobs(3, 4, 100, 8, 1.0);

  it('fits softmax regression with L-BFGS that generalises to new draws', () => {
    const head = trainHead(train, val, 8, 4, { seed: 1 });
    expect(head.type).toBe('linear');
    expect(head.layers).toHaveLength(1);
    expect(accuracy(head, test)).toBeGreaterThan(0.9);
    expect(head.recipe).toMatchObject({ optimizer: 'lbfgs', seed: 1, l2: 1 / train.rows });
  });

  it('is deterministic for a seed, and the MLP depends on it', () => {
    const a = trainHead(train, val, 8, 4, { seed: 5, head: 'mlp', hidden: [16], maxEpochs: 30 });
    const b = trainHead(train, val, 8, 4, { seed: 5, head: 'mlp', hidden: [16], maxEpochs: 30 });
    const c = trainHead(train, val, 8, 4, { seed: 6, head: 'mlp', hidden: [16], maxEpochs: 30 });
    expect(Array.from(a.layers[0]?.weight ?? [])).toEqual(Array.from(b.layers[0]?.weight ?? []));
    expect(Array.from(a.layers[1]?.bias ?? [])).toEqual(Array.from(b.layers[1]?.bias ?? []));
    expect(Array.from(a.layers[0]?.weight ?? [])).not.toEqual(Array.from(c.layers[0]?.weight ?? []));
    const l1 = trainHead(train, val, 8, 4, { seed: 5 });
    const l2 = trainHead(train, val, 8, 4, { seed: 5 });
    expect(Array.from(l1.layers[0]?.weight ?? [])).toEqual(Array.from(l2.layers[0]?.weight ?? []));
  });

  it('learns XOR with the MLP head where the linear head cannot', () => {
    const xTrain = xorClusters(1, 40);
    const xVal = xorClusters(2, 10);
    const xTest = xorClusters(3, 50);
    const mlp = trainHead(xTrain, xVal, 2, 2, { seed: 3, head: 'mlp', hidden: [16], learningRate: 0.01 });
    const linear = trainHead(xTrain, xVal, 2, 2, { seed: 3 });
    expect(accuracy(mlp, xTest)).toBeGreaterThan(0.95);
    expect(accuracy(linear, xTest)).toBeLessThan(0.8);
    expect(mlp.layers.map((l) => l.activation)).toEqual(['relu', 'none']);
  });

  it('folds the z-scoring into the first layer exactly', () => {
    const head = trainHead(train, undefined, 8, 4, { seed: 1, head: 'mlp', hidden: [6], maxEpochs: 5 });
    // Recompute the first layer on standardised inputs with unfolded weights: W = W' · std.
    const z = applyStandardizer(test.features, test.rows, head.standardizer);
    const first = head.layers[0];
    expect(first).toBeDefined();
    if (first === undefined) {
      return;
    }
    const folded = forwardLayers([{ ...first, activation: 'none' }], test.features, test.rows).logits;
    for (let r = 0; r < 5; r++) {
      for (let o = 0; o < first.outDim; o++) {
        let s = 0;
        let bias = first.bias[o] ?? 0;
        for (let k = 0; k < first.inDim; k++) {
          const w = (first.weight[o * first.inDim + k] ?? 0) * (head.standardizer.std[k] ?? 1);
          s += w * (z[r * first.inDim + k] ?? 0);
          bias += (first.weight[o * first.inDim + k] ?? 0) * (head.standardizer.mean[k] ?? 0);
        }
        expect(folded[r * first.outDim + o]).toBeCloseTo(s + bias, 2);
      }
    }
  });

  it("with scaling 'none' fits the features as they are: scaling them up weakens the L2 penalty", () => {
    const scaled = { ...train, features: train.features.map((v) => 10 * v) };
    const raw = trainHead(train, undefined, 8, 4, { seed: 1, scaling: 'none' });
    const big = trainHead(scaled, undefined, 8, 4, { seed: 1, scaling: 'none' });
    expect([...raw.standardizer.mean].every((m) => m === 0)).toBe(true);
    expect([...raw.standardizer.std].every((s) => s === 1)).toBe(true);
    expect(raw.recipe['standardize']).toBe('none');
    // Ten times larger features under the same penalty: logits on the same points grow.
    const margin = (h: TrainedHead, x: Float32Array): number =>
      forwardLayers(h.layers, x, test.rows).logits.reduce((a, v) => a + Math.abs(v), 0);
    expect(
      margin(
        big,
        test.features.map((v) => 10 * v),
      ),
    ).toBeGreaterThan(1.5 * margin(raw, test.features));
    // z-scored (the default), the scale of the features makes no difference.
    const zRaw = trainHead(train, undefined, 8, 4, { seed: 1 });
    const zBig = trainHead(scaled, undefined, 8, 4, { seed: 1 });
    expect(
      margin(
        zBig,
        test.features.map((v) => 10 * v),
      ),
    ).toBeCloseTo(margin(zRaw, test.features), 0);
  });

  it('stops early on validation loss and keeps the best epoch', () => {
    // Noisy, overlapping classes with few rows: validation loss turns up while training loss falls.
    const noisyTrain = gaussianBlobs(11, 3, 8, 20, 6);
    const noisyVal = gaussianBlobs(12, 3, 8, 20, 6);
    const head = trainHead(noisyTrain, noisyVal, 20, 3, {
      seed: 2,
      head: 'mlp',
      hidden: [64],
      l2: 0,
      learningRate: 0.01,
      patience: 5,
    });
    expect(head.stopReason).toBe('early-stopping');
    expect(head.bestEpoch).toBeLessThan(head.history.length);
    expect(head.history.length).toBe(head.bestEpoch + 5);
    const best = head.history[head.bestEpoch - 1]?.valLoss ?? Infinity;
    for (const h of head.history) {
      expect(h.valLoss ?? Infinity).toBeGreaterThanOrEqual(best - 1e-6);
    }
  });

  it('reports NaN features and bad class indices as errors', () => {
    const bad = { ...train, features: Float32Array.from(train.features) };
    bad.features[3] = Number.NaN;
    expect(() => trainHead(bad, undefined, 8, 4, { seed: 1 })).toThrow(/NaN/);
    bad.features[3] = -Infinity;
    expect(() => trainHead(bad, undefined, 8, 4, { seed: 1 })).toThrow(/infinite/);
    bad.features[3] = -0;
    expect(() => trainHead(bad, undefined, 8, 4, { seed: 1 })).not.toThrow();
    expect(() => trainHead(train, undefined, 8, 3, { seed: 1 })).toThrow(/class index 3/);
  });

  it('balanced class weighting raises recall of a rare class', () => {
    const big = gaussianBlobs(21, 2, 60, 4, 3.5);
    // Keep every class-0 row but only 6 class-1 rows.
    const keep: number[] = [];
    let ones = 0;
    for (let r = 0; r < big.rows; r++) {
      if (big.targets[r] === 0 || ones++ < 6) {
        keep.push(r);
      }
    }
    const imbalanced = {
      rows: keep.length,
      targets: Int32Array.from(keep.map((r) => big.targets[r] ?? 0)),
      features: Float32Array.from(keep.flatMap((r) => Array.from(big.features.subarray(r * 4, r * 4 + 4)))),
    };
    const test2 = gaussianBlobs(22, 2, 200, 4, 3.5);
    const recall1 = (head: TrainedHead): number => {
      const out = forwardLayers(head.layers, test2.features, test2.rows);
      const pred = argmaxRows(out.probs, test2.rows, 2);
      return classificationMetrics(test2.targets, pred, ['0', '1']).perClass[1]?.recall ?? 0;
    };
    const plain = trainHead(imbalanced, undefined, 4, 2, { seed: 1 });
    const weighted = trainHead(imbalanced, undefined, 4, 2, { seed: 1, classWeighting: 'balanced' });
    expect(recall1(weighted)).toBeGreaterThan(recall1(plain));
  });
});
