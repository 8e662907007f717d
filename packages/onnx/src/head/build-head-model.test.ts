import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';

import { readOnnxModel } from '../model/onnx-model.ts';
import { buildHeadModel, type HeadLayer } from './build-head-model.ts';

/** Deterministic pseudo-random values in [-1, 1). */
function random(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    out[i] = s / 2 ** 31 - 1;
  }
  return out;
}

function layer(inDim: number, outDim: number, activation: HeadLayer['activation'], seed: number): HeadLayer {
  return { weight: random(inDim * outDim, seed), bias: random(outDim, seed + 1), inDim, outDim, activation };
}

/** Plain-JS reference: dense layers, then softmax per row. */
function reference(
  layers: readonly HeadLayer[],
  x: Float32Array,
  n: number,
): { logits: number[][]; probs: number[][] } {
  let rows: number[][] = Array.from({ length: n }, (_, r) => {
    const first = layers[0];
    return Array.from(x.subarray(r * (first?.inDim ?? 0), (r + 1) * (first?.inDim ?? 0)));
  });
  for (const l of layers) {
    rows = rows.map((row) =>
      Array.from({ length: l.outDim }, (_, o) => {
        let s = l.bias[o] ?? 0;
        for (let i = 0; i < l.inDim; i++) {
          s += (l.weight[o * l.inDim + i] ?? 0) * (row[i] ?? 0);
        }
        return l.activation === 'relu' ? Math.max(0, s) : s;
      }),
    );
  }
  const probs = rows.map((row) => {
    const m = Math.max(...row);
    const e = row.map((v) => Math.exp(v - m));
    const z = e.reduce((a, b) => a + b, 0);
    return e.map((v) => v / z);
  });
  return { logits: rows, probs };
}

async function run(
  model: Uint8Array,
  x: Float32Array,
  n: number,
  d: number,
): Promise<{ logits: Float32Array; probs: Float32Array }> {
  const session = await InferenceSession.create(model);
  try {
    const out = await session.run({ features: new Tensor('float32', x, [n, d]) });
    const logits = out['logits'];
    const probs = out['probs'];
    if (logits === undefined || probs === undefined) {
      throw new Error('missing outputs');
    }
    return { logits: logits.data as Float32Array, probs: probs.data as Float32Array };
  } finally {
    await session.release();
  }
}

function expectClose(actual: Float32Array, expected: number[][], tol: number): void {
  const flat = expected.flat();
  expect(actual.length).toBe(flat.length);
  flat.forEach((v, i) => expect(Math.abs((actual[i] ?? NaN) - v)).toBeLessThan(tol));
}

describe('buildHeadModel', () => {
  it('writes a linear head that onnxruntime runs like the plain-JS reference', async () => {
    const layers = [layer(7, 3, 'none', 11)];
    const x = random(5 * 7, 99);
    const bytes = buildHeadModel({ layers, labels: ['a', 'b', 'c'], metadata: {} });
    const got = await run(bytes, x, 5, 7);
    const want = reference(layers, x, 5);
    expectClose(got.logits, want.logits, 1e-5);
    expectClose(got.probs, want.probs, 1e-6);
  });

  it('writes an MLP head (Gemm → Relu → Gemm) with the same results as the reference', async () => {
    const layers = [layer(16, 9, 'relu', 3), layer(9, 4, 'none', 5)];
    const x = random(6 * 16, 7);
    const bytes = buildHeadModel({ layers, labels: ['w', 'x', 'y', 'z'], metadata: {} });
    const got = await run(bytes, x, 6, 16);
    const want = reference(layers, x, 6);
    expectClose(got.logits, want.logits, 1e-4);
    expectClose(got.probs, want.probs, 1e-5);
    // a ReLU that never clips would make the check vacuous
    const linear = reference([layer(16, 9, 'none', 3)], x, 6);
    expect(linear.logits.flat().some((v) => v < 0)).toBe(true);
  });

  it('records IR 8, opset 13, the labels as JSON and the metadata in metadata_props', () => {
    const bytes = buildHeadModel({
      layers: [layer(4, 2, 'none', 1)],
      labels: ['cat', 'dog'],
      metadata: { backbone: 'modelhub/ppocr-cls@abc', feature_tensor: 'reshape2_0.tmp_0' },
    });
    const model = readOnnxModel(bytes);
    expect(model.irVersion).toBe(8);
    expect(model.opsets.get('')).toBe(13);
    expect(JSON.parse(model.metadata.get('labels') ?? 'null')).toEqual(['cat', 'dog']);
    expect(model.metadata.get('backbone')).toBe('modelhub/ppocr-cls@abc');
    expect(model.metadata.get('feature_tensor')).toBe('reshape2_0.tmp_0');
    expect(model.graph.inputs.map((i) => [i.name, i.dims])).toEqual([['features', ['N', 4]]]);
    expect(model.graph.outputs.map((o) => o.name)).toEqual(['logits', 'probs']);
  });

  it('names the graph input and outputs for onnxruntime', async () => {
    const bytes = buildHeadModel({ layers: [layer(3, 2, 'none', 2)], labels: ['no', 'yes'], metadata: {} });
    const session = await InferenceSession.create(bytes);
    try {
      expect(session.inputNames).toEqual(['features']);
      expect(session.outputNames).toEqual(['logits', 'probs']);
    } finally {
      await session.release();
    }
  });

  it('rejects mismatched shapes, labels and a reserved metadata key', () => {
    const bad = (f: () => unknown): string => {
      try {
        f();
      } catch (error) {
        expect(isModelhubError(error) && error.code).toBe('INVALID_ARGUMENT');
        return String(error);
      }
      throw new Error('expected an error');
    };
    expect(bad(() => buildHeadModel({ layers: [], labels: [], metadata: {} }))).toMatch(/at least one layer/);
    expect(
      bad(() =>
        buildHeadModel({
          layers: [{ ...layer(3, 2, 'none', 1), inDim: 4 }],
          labels: ['a', 'b'],
          metadata: {},
        }),
      ),
    ).toMatch(/weight has 6 values/);
    expect(
      bad(() => buildHeadModel({ layers: [layer(3, 2, 'none', 1)], labels: ['a'], metadata: {} })),
    ).toMatch(/1 labels for 2 outputs/);
    expect(
      bad(() =>
        buildHeadModel({
          layers: [layer(3, 4, 'relu', 1), layer(5, 2, 'none', 1)],
          labels: ['a', 'b'],
          metadata: {},
        }),
      ),
    ).toMatch(/takes 5 inputs/);
    expect(
      bad(() => buildHeadModel({ layers: [layer(3, 2, 'relu', 1)], labels: ['a', 'b'], metadata: {} })),
    ).toMatch(/no activation/);
    expect(
      bad(() =>
        buildHeadModel({ layers: [layer(3, 2, 'none', 1)], labels: ['a', 'b'], metadata: { labels: 'x' } }),
      ),
    ).toMatch(/reserved/);
  });
});
