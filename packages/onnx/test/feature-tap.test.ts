import { InferenceSession, Tensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';

import { addGraphOutputs } from '../src/edit/add-graph-outputs.ts';
import { buildOnnxModel, DataType, type ModelSpec, type NodeSpec } from '../src/model/build-model.ts';
import { readOnnxModel } from '../src/model/onnx-model.ts';
import { earlierFeatureTensors } from '../src/tap/earlier-feature-tensors.ts';
import { chooseFeatureTap, findFeatureTaps } from '../src/tap/find-feature-taps.ts';
import { readFields, WireWriter } from '../src/wire/wire.ts';

const F = DataType.float;
const W = new Float32Array([0.5, -1, 2, 0.25, -0.5, 1, 1.5, -2, 0.1, 0.2, -0.3, 0.4]); // [3,4]
const B = new Float32Array([0.1, -0.2, 0.3]);

/** x [N,4] → Relu → h → classifier → logits [N,3] → Softmax → probs. */
function classifierModel(classifier: readonly NodeSpec[], extra: Partial<ModelSpec> = {}): Uint8Array {
  return buildOnnxModel({
    nodes: [
      { opType: 'Relu', name: 'relu', inputs: ['x'], outputs: ['h'] },
      ...classifier,
      { opType: 'Softmax', name: 'softmax', inputs: ['logits'], outputs: ['probs'], attributes: { axis: 1 } },
    ],
    inputs: [{ name: 'x', elemType: F, dims: ['N', 4] }],
    outputs: [{ name: 'probs', elemType: F, dims: ['N', 3] }],
    ...extra,
  });
}

const gemmWithConstantNode: NodeSpec[] = [
  {
    opType: 'Constant',
    inputs: [],
    outputs: ['fc.w'],
    attributes: { value: { tensor: { name: 'fc.w', dims: [3, 4], dataType: F, values: W } } },
  },
  {
    opType: 'Constant',
    inputs: [],
    outputs: ['fc.b'],
    attributes: { value: { tensor: { name: 'fc.b', dims: [3], dataType: F, values: B } } },
  },
  {
    opType: 'Gemm',
    name: 'fc',
    inputs: ['h', 'fc.w', 'fc.b'],
    outputs: ['logits'],
    attributes: { transB: 1 },
  },
];

function transpose(w: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(w.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      out[c * rows + r] = w[r * cols + c] ?? 0;
    }
  }
  return out;
}

const matMulAdd: NodeSpec[] = [
  { opType: 'MatMul', name: 'mm', inputs: ['h', 'w'], outputs: ['mm_out'] },
  { opType: 'Add', name: 'bias', inputs: ['mm_out', 'b'], outputs: ['logits'] },
];
const matMulInitializers = [
  { name: 'w', dims: [4, 3], dataType: F, values: transpose(W, 3, 4) },
  { name: 'b', dims: [3], dataType: F, values: B },
];

async function runModel(
  bytes: Uint8Array,
  x: Float32Array,
  fetch: readonly string[],
): Promise<Record<string, Float32Array>> {
  const session = await InferenceSession.create(bytes);
  try {
    const out = await session.run({ x: new Tensor('float32', x, [x.length / 4, 4]) }, [...fetch]);
    return Object.fromEntries(fetch.map((name) => [name, out[name]?.data as Float32Array]));
  } finally {
    await session.release();
  }
}

const X = new Float32Array([1, -2, 3, 0.5, -1, 2, 0, 4]);

describe('findFeatureTaps', () => {
  it('finds the input of a Gemm whose weights are Constant nodes (D from transB=1 weight dims)', () => {
    const [tap, ...rest] = findFeatureTaps(readOnnxModel(classifierModel(gemmWithConstantNode)));
    expect(rest).toEqual([]);
    expect(tap).toMatchObject({
      tensor: 'h',
      dim: 4,
      classes: 3,
      op: 'Gemm',
      classifier: 'fc',
      output: 'probs',
    });
  });

  it('finds the input of MatMul + Add with initializer weights', () => {
    const model = readOnnxModel(classifierModel(matMulAdd, { initializers: matMulInitializers }));
    expect(findFeatureTaps(model)).toMatchObject([{ tensor: 'h', dim: 4, classes: 3, op: 'MatMul' }]);
  });

  it('finds the float input of a dynamically quantised classifier (DynamicQuantizeLinear → MatMulInteger)', async () => {
    const wq = new Int8Array(W.length);
    transpose(W, 3, 4).forEach((v, i) => (wq[i] = Math.round(v * 50)));
    const bytes = classifierModel(
      [
        { opType: 'DynamicQuantizeLinear', inputs: ['h'], outputs: ['hq', 'hs', 'hz'] },
        { opType: 'MatMulInteger', inputs: ['hq', 'wq', 'hz'], outputs: ['acc'] },
        { opType: 'Cast', inputs: ['acc'], outputs: ['accf'], attributes: { to: F } },
        { opType: 'Mul', inputs: ['hs', 'ws'], outputs: ['scale'] },
        { opType: 'Mul', inputs: ['accf', 'scale'], outputs: ['scaled'] },
        { opType: 'Add', inputs: ['scaled', 'b'], outputs: ['logits'] },
      ],
      {
        initializers: [
          { name: 'wq', dims: [4, 3], dataType: DataType.int8, values: wq },
          { name: 'ws', dims: [], dataType: F, values: new Float32Array([1 / 50]) },
          { name: 'b', dims: [3], dataType: F, values: B },
        ],
      },
    );
    expect(findFeatureTaps(readOnnxModel(bytes))).toMatchObject([
      { tensor: 'h', dim: 4, classes: 3, op: 'MatMulInteger' },
    ]);
    // and onnxruntime accepts the graph with the tap exposed
    const edited = addGraphOutputs(bytes, [{ name: 'h', elemType: F }]);
    const out = await runModel(edited, X, ['h', 'probs']);
    expect(Array.from(out['h'] ?? [])).toEqual([1, 0, 3, 0.5, 0, 2, 0, 4]);
  });

  it('finds the float input of a statically quantised classifier (QuantizeLinear → QLinearMatMul → DequantizeLinear)', () => {
    const u8 = (v: number): { name: string; dims: number[]; dataType: number; values: Uint8Array } => ({
      name: '',
      dims: [],
      dataType: DataType.uint8,
      values: new Uint8Array([v]),
    });
    const scalar = (
      name: string,
      v: number,
    ): { name: string; dims: number[]; dataType: number; values: Float32Array } => ({
      name,
      dims: [],
      dataType: F,
      values: new Float32Array([v]),
    });
    const bytes = classifierModel(
      [
        { opType: 'QuantizeLinear', inputs: ['h', 'hs', 'hz'], outputs: ['hq'] },
        {
          opType: 'QLinearMatMul',
          inputs: ['hq', 'hs', 'hz', 'wq', 'ws', 'wz', 'ys', 'yz'],
          outputs: ['yq'],
        },
        { opType: 'DequantizeLinear', inputs: ['yq', 'ys', 'yz'], outputs: ['logits'] },
      ],
      {
        initializers: [
          scalar('hs', 0.05),
          { ...u8(128), name: 'hz' },
          { name: 'wq', dims: [4, 3], dataType: DataType.uint8, values: new Uint8Array(12).fill(130) },
          scalar('ws', 0.02),
          { ...u8(128), name: 'wz' },
          scalar('ys', 0.1),
          { ...u8(128), name: 'yz' },
        ],
      },
    );
    expect(findFeatureTaps(readOnnxModel(bytes))).toMatchObject([
      { tensor: 'h', dim: 4, classes: 3, op: 'QLinearMatMul' },
    ]);
  });

  it('refuses a graph with two classifiers and lists both; --layer or a "logits" output disambiguates', () => {
    const twoHeads: ModelSpec = {
      nodes: [
        { opType: 'Relu', inputs: ['x'], outputs: ['h'] },
        { opType: 'Sigmoid', inputs: ['x'], outputs: ['g'] },
        { opType: 'MatMul', inputs: ['h', 'w'], outputs: ['a'] },
        { opType: 'MatMul', inputs: ['g', 'w'], outputs: ['b'] },
      ],
      initializers: [matMulInitializers[0] ?? matMulInitializers[1]].flatMap((t) =>
        t === undefined ? [] : [t],
      ),
      inputs: [{ name: 'x', elemType: F, dims: ['N', 4] }],
      outputs: [
        { name: 'a', elemType: F },
        { name: 'b', elemType: F },
      ],
    };
    const model = readOnnxModel(buildOnnxModel(twoHeads));
    let message = '';
    try {
      chooseFeatureTap(model);
    } catch (error) {
      expect(isModelhubError(error) && error.code).toBe('UNSUPPORTED_MODEL');
      message = String(error);
    }
    expect(message).toMatch(/2 classifier layers/);
    expect(message).toMatch(/\bh \(4-d/);
    expect(message).toMatch(/\bg \(4-d/);
    expect(chooseFeatureTap(model, { layer: 'g' }).tensor).toBe('g');
    const named = readOnnxModel(
      buildOnnxModel({
        ...twoHeads,
        outputs: [
          { name: 'a', elemType: F },
          { name: 'logits', elemType: F },
        ],
        nodes: twoHeads.nodes.map((n) => (n.outputs[0] === 'b' ? { ...n, outputs: ['logits'] } : n)),
      }),
    );
    expect(chooseFeatureTap(named).tensor).toBe('g');
  });

  it('refuses a graph without a classifier, suggesting pooled tensors for --layer', () => {
    const bytes = buildOnnxModel({
      nodes: [
        { opType: 'Relu', inputs: ['x'], outputs: ['r'] },
        { opType: 'GlobalAveragePool', name: 'gap', inputs: ['r'], outputs: ['pooled'] },
        { opType: 'Sigmoid', inputs: ['pooled'], outputs: ['y'] },
      ],
      inputs: [{ name: 'x', elemType: F, dims: [1, 2, 3, 3] }],
      outputs: [{ name: 'y', elemType: F }],
    });
    try {
      chooseFeatureTap(readOnnxModel(bytes));
      expect.unreachable();
    } catch (error) {
      expect(isModelhubError(error) && error.code).toBe('UNSUPPORTED_MODEL');
      expect(isModelhubError(error) && error.hint).toMatch(/--layer NAME, e.g. one of: pooled/);
    }
  });

  it('rejects a --layer name that no node produces', () => {
    const model = readOnnxModel(classifierModel(gemmWithConstantNode));
    expect(() => chooseFeatureTap(model, { layer: 'nope' })).toThrow(/no tensor named "nope"/);
  });
});

describe('addGraphOutputs', () => {
  it('exposes the tap while the original output stays identical to the unedited model', async () => {
    const bytes = classifierModel(gemmWithConstantNode);
    const edited = addGraphOutputs(bytes, [{ name: 'h', elemType: F }]);
    expect(readOnnxModel(edited).graph.outputs.map((o) => o.name)).toEqual(['probs', 'h']);
    const before = await runModel(bytes, X, ['probs']);
    const after = await runModel(edited, X, ['probs', 'h']);
    expect(after['probs']).toEqual(before['probs']);
    expect(Array.from(after['h'] ?? [])).toEqual([1, 0, 3, 0.5, 0, 2, 0, 4]);
  });

  it('copies every other byte verbatim, unknown fields included', () => {
    const base = classifierModel(gemmWithConstantNode);
    // field 99 is unknown to ONNX readers; a lossy round trip would drop it
    const withUnknown = new WireWriter().raw(base).string(99, 'future field').finish();
    const edited = addGraphOutputs(withUnknown, [{ name: 'h', elemType: F }]);
    const unknown = readFields(edited).filter((f) => f.no === 99);
    expect(unknown.map((f) => new TextDecoder().decode(f.bytes))).toEqual(['future field']);
    // all non-graph fields are byte-identical and in order
    const strip = (b: Uint8Array): number[][] =>
      readFields(b)
        .filter((f) => f.no !== 7)
        .map((f) => Array.from(f.raw));
    expect(strip(edited)).toEqual(strip(withUnknown));
  });

  it('leaves the model untouched when the tensor already is an output', () => {
    const bytes = classifierModel(gemmWithConstantNode);
    expect(addGraphOutputs(bytes, [{ name: 'probs', elemType: F }])).toBe(bytes);
  });
});

describe('earlierFeatureTensors', () => {
  it('lists the inputs of the nearest learned layers the tap depends on, nearest first', () => {
    const weight = (
      name: string,
    ): { name: string; dims: number[]; dataType: number; values: Float32Array } => ({
      name,
      dims: [4, 4],
      dataType: F,
      values: new Float32Array(16).fill(0.1),
    });
    // x → Relu → h0 → mm1 → a → Relu → b → (b·bᵀ-style MatMul of two activations, skipped) → b2 → mm2 → c → Relu → tapped → fc
    const model = readOnnxModel(
      buildOnnxModel({
        nodes: [
          { opType: 'Relu', name: 'r0', inputs: ['x'], outputs: ['h0'] },
          { opType: 'MatMul', name: 'mm1', inputs: ['h0', 'w1'], outputs: ['a'] },
          { opType: 'Relu', name: 'r1', inputs: ['a'], outputs: ['b'] },
          { opType: 'MatMul', name: 'self', inputs: ['b', 'b'], outputs: ['bb'] },
          { opType: 'Add', name: 'mix', inputs: ['b', 'bb'], outputs: ['b2'] },
          { opType: 'MatMul', name: 'mm2', inputs: ['b2', 'w2'], outputs: ['c'] },
          { opType: 'Relu', name: 'r2', inputs: ['c'], outputs: ['tapped'] },
          { opType: 'Gemm', name: 'fc', inputs: ['tapped', 'fc.w', 'fc.b'], outputs: ['logits'] },
        ],
        initializers: [
          weight('w1'),
          weight('w2'),
          { name: 'fc.w', dims: [4, 3], dataType: F, values: transpose(W, 3, 4) },
          { name: 'fc.b', dims: [3], dataType: F, values: B },
        ],
        inputs: [{ name: 'x', elemType: F, dims: ['N', 4] }],
        outputs: [{ name: 'logits', elemType: F, dims: ['N', 3] }],
      }),
    );
    expect(earlierFeatureTensors(model, 'tapped', 5)).toEqual(['b2', 'h0']);
    expect(earlierFeatureTensors(model, 'tapped', 1)).toEqual(['b2']);
    expect(earlierFeatureTensors(model, 'b', 2)).toEqual(['h0']);
    expect(earlierFeatureTensors(model, 'h0', 2)).toEqual([]);
  });
});
