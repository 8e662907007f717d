import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { joinViews, moveAxisLast, poolFeatures, poolGrid, type PoolingName } from '@modelhub/core';

import { buildHeadModel } from '../head/build-head-model.ts';
import { buildOnnxModel, type ModelSpec } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';
import { readOnnxModel } from '../model/onnx-model.ts';
import { fuseBackboneAndHead } from './fuse-head.ts';

const seq = (n: number, scale: number, shift = 0): Float32Array =>
  Float32Array.from({ length: n }, (_, i) => Math.sin(i * scale + shift));

/** The old classifier both toy backbones end in: "feat" [N,2,…] → GAP → Flatten → Gemm → "logits" [N,4]. */
const classifier = {
  nodes: [
    { opType: 'GlobalAveragePool', name: 'gap', inputs: ['feat'], outputs: ['pooled'] },
    { opType: 'Flatten', name: 'flat', inputs: ['pooled'], outputs: ['flat'], attributes: { axis: 1 } },
    {
      opType: 'Gemm',
      name: 'classifier',
      inputs: ['flat', 'W', 'b'],
      outputs: ['logits'],
      attributes: { transB: 1 },
    },
  ],
  initializers: [
    { name: 'W', dims: [4, 2], dataType: DataType.float, values: seq(8, 0.7) },
    { name: 'b', dims: [4], dataType: DataType.float, values: seq(4, 0.3) },
  ],
} satisfies Pick<ModelSpec, 'nodes' | 'initializers'>;

/** A tiny conv-net-like backbone: x [N,2,3,3] → Relu → "feat" [N,2,3,3] → GAP → Flatten → Gemm → Softmax. */
function backbone(opset: number): Uint8Array {
  return buildOnnxModel({
    opsets: { '': opset },
    nodes: [
      { opType: 'Relu', name: 'act', inputs: ['x'], outputs: ['feat'] },
      ...classifier.nodes,
      { opType: 'Softmax', name: 'softmax', inputs: ['logits'], outputs: ['prob'], attributes: { axis: 1 } },
    ],
    initializers: classifier.initializers,
    inputs: [{ name: 'x', elemType: DataType.float, dims: ['N', 2, 3, 3] }],
    outputs: [{ name: 'prob', elemType: DataType.float, dims: ['N', 4] }],
    metadata: { producer_note: 'kept' },
  });
}

const head = buildHeadModel({
  layers: [
    { weight: seq(6, 1.1), bias: seq(3, 0.2), inDim: 2, outDim: 3, activation: 'relu' },
    { weight: seq(9, 0.5, 1), bias: seq(3, 0.9), inDim: 3, outDim: 3, activation: 'none' },
  ],
  labels: ['a', 'b', 'c'],
  metadata: {},
});

async function run(
  bytes: Uint8Array,
  feeds: Record<string, ort.Tensor>,
): Promise<ort.InferenceSession.ReturnType> {
  const session = await ort.InferenceSession.create(bytes);
  try {
    return await session.run(feeds);
  } finally {
    await session.release();
  }
}

describe('fuseBackboneAndHead', () => {
  it.each([13, 18])(
    'gives the probabilities of head(mean-pooled tap) in one graph (opset %i)',
    async (opset) => {
      const x = new ort.Tensor('float32', seq(2 * 2 * 9, 0.37, 0.5), [2, 2, 3, 3]);
      const fused = fuseBackboneAndHead(backbone(opset), head, {
        tap: 'feat',
        pooling: { kind: 'mean', rank: 4, channelAxis: 1 },
        metadata: { labels: '["a","b","c"]' },
      });
      const out = await run(fused, { x });
      // Reference: the tapped tensor averaged in JS, then the head alone.
      const feat = Array.from(x.data).map((v) => Math.max(0, v));
      const pooled = new Float32Array(4);
      for (let n = 0; n < 2; n++) {
        for (let c = 0; c < 2; c++) {
          pooled[n * 2 + c] = feat.slice((n * 2 + c) * 9, (n * 2 + c + 1) * 9).reduce((a, b) => a + b, 0) / 9;
        }
      }
      const reference = await run(head, { features: new ort.Tensor('float32', pooled, [2, 2]) });
      expect(out['probs']?.dims).toEqual([2, 3]);
      const got = Array.from(out['probs']?.data as Float32Array);
      const want = Array.from(reference['probs']?.data as Float32Array);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? Number.NaN, 6));
      expect(Array.from(out['logits']?.data as Float32Array)).toHaveLength(6);
    },
  );

  it('drops the old classifier, keeps unknown metadata, and adds the new one', () => {
    const fused = readOnnxModel(
      fuseBackboneAndHead(backbone(13), head, {
        tap: 'feat',
        pooling: { kind: 'mean', rank: 4, channelAxis: 1 },
        metadata: { labels: '[]' },
      }),
    );
    const ops = fused.graph.nodes.map((n) => n.name);
    expect(ops).not.toContain('classifier');
    expect(ops).not.toContain('gap');
    expect(ops).toContain('act');
    expect([...fused.graph.initializers.keys()]).not.toContain('W');
    expect(fused.graph.outputs.map((o) => o.name)).toEqual(['logits', 'probs']);
    expect(fused.metadata.get('producer_note')).toBe('kept');
    expect(fused.metadata.get('labels')).toBe('[]');
  });

  it('refuses a tap the backbone does not have', () => {
    expect(() =>
      fuseBackboneAndHead(backbone(13), head, {
        tap: 'nope',
        pooling: { kind: 'none', rank: 2, channelAxis: 1 },
        metadata: {},
      }),
    ).toThrow(/no tensor named "nope"/);
  });

  /** x [N,2,1,W] (W free) → AveragePool 1×2 stride 2 → "feat" [N,2,1,W/2] → GAP → Gemm: a stride-2 feature map. */
  function stridedBackbone(opset: number): Uint8Array {
    return buildOnnxModel({
      opsets: { '': opset },
      nodes: [
        {
          opType: 'AveragePool',
          name: 'pool',
          inputs: ['x'],
          outputs: ['feat'],
          attributes: { kernel_shape: [1, 2], strides: [1, 2] },
        },
        ...classifier.nodes,
      ],
      initializers: classifier.initializers,
      inputs: [{ name: 'x', elemType: DataType.float, dims: ['N', 2, 1, 'W'] }],
      outputs: [{ name: 'logits', elemType: DataType.float, dims: ['N', 4] }],
    });
  }

  const cases = [9, 13, 18].flatMap((opset) =>
    (['mean', 'max', 'meanmax', 'cls', 'flatten'] as const).map((kind) => [opset, kind] as const),
  );
  it.each(cases)(
    'masks the padded columns in the graph as the adapter does in JS (opset %i, %s)',
    async (opset, kind: PoolingName) => {
      const width = 8;
      const data = seq(2 * 2 * width, 0.91, 0.2);
      const x = new ort.Tensor('float32', data, [2, 2, 1, width]);
      // image 0 is 3 px wide: only position 0 (centre 1) is real; image 1 fills the strip (4 positions)
      const valid = new ort.Tensor('float32', new Float32Array([1, 3, 1, 8]), [2, 2]);
      const dim = kind === 'meanmax' ? 4 : kind === 'flatten' ? 8 : 2;
      const probe = buildHeadModel({
        layers: [
          { weight: seq(3 * dim, 0.45), bias: seq(3, 0.1), inDim: dim, outDim: 3, activation: 'none' },
        ],
        labels: ['a', 'b', 'c'],
        metadata: {},
      });
      const fused = fuseBackboneAndHead(stridedBackbone(opset), probe, {
        tap: 'feat',
        pooling: {
          kind,
          rank: 4,
          channelAxis: 1,
          mask: {
            axes: [{ axis: 3, input: 'width' }],
            imageInput: 'x',
            imageAxes: { height: 2, width: 3 },
            maxPositions: 64,
          },
        },
        metadata: {},
      });
      // cls reads position 0, which is always real: no mask, no second input
      const inputs = kind === 'cls' ? ['x'] : ['x', 'valid_size'];
      expect(readOnnxModel(fused).graph.inputs.map((i) => i.name)).toEqual(inputs);
      const out = await run(fused, kind === 'cls' ? { x } : { x, valid_size: valid });
      // Reference: the stride-2 average in JS, pooled by the shared pooling with the adapter's mask.
      const feat = new Float32Array(2 * 2 * 4);
      for (let i = 0; i < feat.length; i++) {
        feat[i] = ((data[2 * i] ?? 0) + (data[2 * i + 1] ?? 0)) / 2;
      }
      const mask = [1, 0, 0, 0, 1, 1, 1, 1];
      const pooled = poolFeatures(moveAxisLast({ data: feat, dims: [2, 2, 1, 4] }, 1), kind, mask);
      const features = new Float32Array(2 * dim);
      pooled.forEach((v, n) => features.set(v, n * dim));
      const reference = await run(probe, { features: new ort.Tensor('float32', features, [2, dim]) });
      const got = Array.from(out['logits']?.data as Float32Array);
      const want = Array.from(reference['logits']?.data as Float32Array);
      expect(got).toHaveLength(6);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? Number.NaN, 5));
    },
  );
});

/**
 * x [N,2,3,W] (W free) → Relu → "map" [N,2,3,W] → AveragePool over the rows → "feat" [N,2,W] →
 * the shared classifier: a map with rows and columns (the grid view) before a sequence (the tap),
 * like PaddleOCR rec's backbone output before its neck.
 */
function mapBackbone(opset: number): Uint8Array {
  return buildOnnxModel({
    opsets: { '': opset },
    nodes: [
      { opType: 'Relu', name: 'act', inputs: ['x'], outputs: ['map'] },
      {
        opType: 'AveragePool',
        name: 'rows',
        inputs: ['map'],
        outputs: ['pooled_rows'],
        attributes: { kernel_shape: [3, 1], strides: [3, 1] },
      },
      { opType: 'Reshape', name: 'squeeze', inputs: ['pooled_rows', 'seq_shape'], outputs: ['feat'] },
      ...classifier.nodes,
    ],
    initializers: [
      ...classifier.initializers,
      { name: 'seq_shape', dims: [3], dataType: DataType.int64, values: BigInt64Array.of(0n, 0n, -1n) },
    ],
    inputs: [{ name: 'x', elemType: DataType.float, dims: ['N', 2, 3, 'W'] }],
    outputs: [{ name: 'logits', elemType: DataType.float, dims: ['N', 4] }],
  });
}

describe('fuseBackboneAndHead with a grid view', () => {
  it.each([11, 13])(
    'joins the masked tap and a grid over each image’s real columns as the adapter does in JS (opset %i)',
    async (opset) => {
      const width = 10;
      const data = seq(2 * 2 * 3 * width, 0.53, 0.4);
      const x = new ort.Tensor('float32', data, [2, 2, 3, width]);
      // image 0 is 5 px wide (5 real columns), image 1 fills the strip; both 3 rows high
      const valid = new ort.Tensor('float32', Float32Array.of(3, 5, 3, 10), [2, 2]);
      const grid = { rows: 3, cols: 4 };
      const dim = 2 + grid.rows * grid.cols * 2;
      const viewHead = buildHeadModel({
        layers: [
          { weight: seq(3 * dim, 0.45), bias: seq(3, 0.1), inDim: dim, outDim: 3, activation: 'none' },
        ],
        labels: ['a', 'b', 'c'],
        metadata: {},
      });
      const mask = { imageInput: 'x', imageAxes: { height: 2, width: 3 }, maxPositions: 64 };
      const fused = fuseBackboneAndHead(mapBackbone(opset), viewHead, {
        tap: 'feat',
        pooling: {
          kind: 'mean',
          rank: 3,
          channelAxis: 1,
          mask: { ...mask, axes: [{ axis: 2, input: 'width' }] },
        },
        views: [
          {
            tensor: 'map',
            channelAxis: 1,
            positions: [2, 3],
            grid,
            weight: 0.7,
            mask: { ...mask, axes: [{ axis: 3, input: 'width' }] },
          },
        ],
        metadata: {},
      });
      const model = readOnnxModel(fused);
      expect(model.graph.inputs.map((i) => i.name)).toEqual(['x', 'valid_size']);
      expect(model.graph.nodes.map((n) => n.name)).not.toContain('classifier');
      const out = await run(fused, { x, valid_size: valid });

      // Reference: the same tensors in JS, pooled and joined by @modelhub/core.
      const map = Float32Array.from(data, (v) => Math.max(0, v));
      const sequence = new Float32Array(2 * 2 * width);
      for (let n = 0; n < 2; n++) {
        for (let c = 0; c < 2; c++) {
          for (let w = 0; w < width; w++) {
            let sum = 0;
            for (let h = 0; h < 3; h++) {
              sum += map[((n * 2 + c) * 3 + h) * width + w] ?? 0;
            }
            sequence[(n * 2 + c) * width + w] = sum / 3;
          }
        }
      }
      const realColumns = [5, 10];
      const seqMask = realColumns.flatMap((k) => Array.from({ length: width }, (_, w) => (w < k ? 1 : 0)));
      const tap = poolFeatures(moveAxisLast({ data: sequence, dims: [2, 2, width] }, 1), 'mean', seqMask);
      const views = poolGrid(
        moveAxisLast({ data: map, dims: [2, 2, 3, width] }, 1),
        grid,
        realColumns.map((cols) => ({ rows: 3, cols })),
      );
      const features = new Float32Array(2 * dim);
      tap.forEach((v, n) => features.set(joinViews([v, views[n] as Float32Array], [1, 0.7]), n * dim));
      const reference = await run(viewHead, { features: new ort.Tensor('float32', features, [2, dim]) });
      const got = Array.from(out['logits']?.data as Float32Array);
      const want = Array.from(reference['logits']?.data as Float32Array);
      expect(got).toHaveLength(6);
      got.forEach((v, i) => expect(v).toBeCloseTo(want[i] ?? Number.NaN, 5));
    },
  );

  it('refuses a view of a tensor the backbone does not have', () => {
    const viewHead = buildHeadModel({
      layers: [{ weight: seq(6, 0.4), bias: seq(3, 0.1), inDim: 2, outDim: 3, activation: 'none' }],
      labels: ['a', 'b', 'c'],
      metadata: {},
    });
    expect(() =>
      fuseBackboneAndHead(mapBackbone(13), viewHead, {
        tap: 'feat',
        pooling: { kind: 'mean', rank: 3, channelAxis: 1 },
        views: [{ tensor: 'nope', channelAxis: 1, positions: [2, 3], grid: { rows: 1, cols: 1 }, weight: 1 }],
        metadata: {},
      }),
    ).toThrow(/no tensor named "nope"/);
  });
});
