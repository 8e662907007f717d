import { ModelhubError } from '@modelhub/core';

import type { OnnxModel, OnnxNode } from '../model/onnx-model.ts';

/** A tensor that feeds the model's classifier layer: the natural place to take features. */
export interface TapCandidate {
  /** Float tensor to expose as an output. */
  readonly tensor: string;
  /** Feature length read from the classifier weight (0 when unknown, e.g. a `--layer` tap). */
  readonly dim: number;
  /** Number of classes of the classifier (0 when unknown). */
  readonly classes: number;
  /** Op type of the classifier node (Gemm, MatMul, MatMulInteger, QLinearMatMul, QGemm), or `layer`. */
  readonly op: string;
  /** Name of the classifier node (or its first output when the node is unnamed). */
  readonly classifier: string;
  /** The graph output the walk started from. */
  readonly output: string;
  /** Rank of the tensor when the graph declares it (value_info), else undefined. */
  readonly rank: number | undefined;
  readonly reason: string;
}

/** Ops between the classifier and the output that do not change what the features are. */
const PASS_THROUGH = new Set([
  'Softmax',
  'LogSoftmax',
  'Identity',
  'Sigmoid',
  'Cast',
  'Reshape',
  'Squeeze',
  'Unsqueeze',
  'Flatten',
  'Dropout',
  'DequantizeLinear',
  'QuantizeLinear',
]);
const ELEMENTWISE = new Set(['Add', 'Sub', 'Mul', 'Div']);
const CONST_PRESERVING = new Set([
  'Identity',
  'Cast',
  'DequantizeLinear',
  'Transpose',
  'Reshape',
  'Unsqueeze',
  'Squeeze',
]);
const POOLING = new Set(['GlobalAveragePool', 'ReduceMean', 'Flatten', 'GlobalMaxPool']);
/** Output names that mark the classification output when there are several. */
const PREFERRED_OUTPUTS = /^(logits|output|probs|probabilities|scores|output_0|softmax.*)$/i;

class Graph {
  readonly producer = new Map<string, OnnxNode>();
  private readonly constCache = new Map<string, boolean>();
  readonly model: OnnxModel;

  constructor(model: OnnxModel) {
    this.model = model;
    for (const n of model.graph.nodes) {
      for (const o of n.outputs) {
        this.producer.set(o, n);
      }
    }
  }

  isConst(name: string, depth = 0): boolean {
    const cached = this.constCache.get(name);
    if (cached !== undefined) {
      return cached;
    }
    let result = false;
    if (this.model.graph.initializers.has(name)) {
      result = true;
    } else {
      const p = this.producer.get(name);
      if (p?.opType === 'Constant') {
        result = true;
      } else if (p !== undefined && CONST_PRESERVING.has(p.opType) && depth < 16) {
        result = p.inputs.filter((i) => i !== '').every((i) => this.isConst(i, depth + 1));
      }
    }
    this.constCache.set(name, result);
    return result;
  }

  /** Dims of a constant tensor, when they can be read without evaluating anything. */
  constDims(name: string, depth = 0): readonly number[] | undefined {
    const init = this.model.graph.initializers.get(name);
    if (init !== undefined) {
      return init.dims;
    }
    const p = this.producer.get(name);
    if (p === undefined || depth > 16) {
      return undefined;
    }
    if (p.opType === 'Constant') {
      return p.attributes.get('value')?.tensor?.dims;
    }
    const first = p.inputs[0];
    if (first === undefined) {
      return undefined;
    }
    if (p.opType === 'Identity' || p.opType === 'Cast' || p.opType === 'DequantizeLinear') {
      return this.constDims(first, depth + 1);
    }
    if (p.opType === 'Transpose') {
      const dims = this.constDims(first, depth + 1);
      const perm = p.attributes.get('perm')?.ints ?? dims?.map((_, i) => dims.length - 1 - i);
      return dims === undefined || perm === undefined ? undefined : perm.map((i) => dims[i] ?? 0);
    }
    return undefined;
  }

  rank(name: string): number | undefined {
    const g = this.model.graph;
    const info =
      g.valueInfo.get(name) ??
      g.outputs.find((o) => o.name === name) ??
      g.inputs.find((i) => i.name === name);
    return info?.dims?.length;
  }

  /** The float tensor before a (Dynamic)QuantizeLinear, or the tensor itself. */
  unquantized(name: string): string {
    const p = this.producer.get(name);
    if (
      (p?.opType === 'DynamicQuantizeLinear' || p?.opType === 'QuantizeLinear') &&
      p.inputs[0] !== undefined
    ) {
      return p.inputs[0];
    }
    return name;
  }
}

function nodeLabel(n: OnnxNode): string {
  return n.name !== '' ? n.name : `${n.opType}→${n.outputs[0] ?? '?'}`;
}

function classifierCandidate(g: Graph, n: OnnxNode, output: string): TapCandidate | undefined {
  let a: string | undefined;
  let b: string | undefined;
  let transB = false;
  switch (n.opType) {
    case 'Gemm':
      [a, b] = n.inputs;
      transB = (n.attributes.get('transB')?.int ?? 0) !== 0;
      break;
    case 'MatMul':
    case 'MatMulInteger':
      [a, b] = n.inputs;
      break;
    case 'QLinearMatMul':
      a = n.inputs[0];
      b = n.inputs[3];
      break;
    case 'QGemm':
      a = n.inputs[0];
      b = n.inputs[3];
      transB = (n.attributes.get('transB')?.int ?? 0) !== 0;
      break;
    default:
      return undefined;
  }
  if (a === undefined || b === undefined || !g.isConst(b) || g.isConst(a)) {
    return undefined;
  }
  const dims = g.constDims(b) ?? [];
  const rows = dims.at(-2) ?? 0;
  const cols = dims.at(-1) ?? 0;
  const [dim, classes] = transB ? [cols, rows] : [rows, cols];
  const tensor = g.unquantized(a);
  return {
    tensor,
    dim,
    classes,
    op: n.opType,
    classifier: nodeLabel(n),
    output,
    rank: g.rank(tensor),
    reason: `input of the final ${n.opType} (${dim}→${classes}) before output "${output}"`,
  };
}

/** Walks back from one graph output to the classifier that produces it. */
function walkBack(g: Graph, output: string, from: string = output, depth = 0): TapCandidate | undefined {
  let t = from;
  for (let step = 0; step < 64 && depth < 8; step++) {
    const n = g.producer.get(t);
    if (n === undefined) {
      return undefined;
    }
    const found = classifierCandidate(g, n, output);
    if (found !== undefined) {
      return found;
    }
    const [a, b] = n.inputs;
    if (PASS_THROUGH.has(n.opType) && a !== undefined) {
      t = a;
    } else if (ELEMENTWISE.has(n.opType) && a !== undefined && b !== undefined) {
      if (g.isConst(b)) {
        t = a;
      } else if (g.isConst(a)) {
        t = b;
      } else {
        // e.g. Mul(dequantised accumulator, runtime scale): follow the operand that leads to a classifier
        const found2 = [a, b].flatMap((i) => walkBack(g, output, i, depth + 1) ?? []);
        return found2.length === 1 ? found2[0] : undefined;
      }
    } else {
      return undefined;
    }
  }
  return undefined;
}

/**
 * Finds the tensors feeding the model's classifier: from each graph output, walk back through
 * softmax / reshape / bias-add / dequantise ops to the last Gemm or MatMul whose weight is
 * constant (an initializer, a Constant node, or a dequantised constant). One candidate per
 * distinct tensor.
 */
export function findFeatureTaps(model: OnnxModel): TapCandidate[] {
  const g = new Graph(model);
  const seen = new Map<string, TapCandidate>();
  for (const o of model.graph.outputs) {
    const c = walkBack(g, o.name);
    if (c !== undefined && !seen.has(c.tensor)) {
      seen.set(c.tensor, c);
    }
  }
  return [...seen.values()];
}

/** Pooled or late tensors worth naming when no classifier is found (for `--layer`). */
export function suggestLayers(model: OnnxModel, limit = 5): string[] {
  const pooled = model.graph.nodes.filter((n) => POOLING.has(n.opType)).flatMap((n) => n.outputs);
  if (pooled.length > 0) {
    return pooled.slice(-limit);
  }
  const g = new Graph(model);
  const inputs = model.graph.outputs
    .map((o) => g.producer.get(o.name))
    .flatMap((n) => n?.inputs.filter((i) => i !== '' && !g.isConst(i)) ?? []);
  return [...new Set(inputs)].slice(0, limit);
}

/**
 * Picks the feature tap: the `layer` the user named, else the single classifier input. Several
 * classifiers (detection heads, multi-task models) are refused with the candidates listed.
 */
export function chooseFeatureTap(
  model: OnnxModel,
  options: { layer?: string | undefined; source?: string } = {},
): TapCandidate {
  const source = options.source ?? 'model.onnx';
  const candidates = findFeatureTaps(model);
  if (options.layer !== undefined) {
    const layer = options.layer;
    const known = candidates.find((c) => c.tensor === layer);
    if (known !== undefined) {
      return known;
    }
    const produced =
      model.graph.nodes.some((n) => n.outputs.includes(layer)) ||
      model.graph.inputs.some((i) => i.name === layer);
    if (!produced) {
      throw new ModelhubError('INVALID_ARGUMENT', `${source} has no tensor named "${layer}".`, {
        hint: 'Run `hub inspect MODEL` to list candidate feature tensors; names are case-sensitive.',
        details: { layer, candidates: candidates.map((c) => c.tensor) },
      });
    }
    return {
      tensor: layer,
      dim: 0,
      classes: 0,
      op: 'layer',
      classifier: '',
      output: '',
      rank: new Graph(model).rank(layer),
      reason: 'named with --layer',
    };
  }
  if (candidates.length === 1 && candidates[0] !== undefined) {
    return candidates[0];
  }
  if (candidates.length > 1) {
    const preferred = candidates.filter((c) => PREFERRED_OUTPUTS.test(c.output));
    if (preferred.length === 1 && preferred[0] !== undefined) {
      return preferred[0];
    }
    const list = candidates.map((c) => `${c.tensor} (${c.dim}-d, ${c.reason})`);
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${source} has ${candidates.length} classifier layers, so the feature tensor is ambiguous:\n  ${list.join('\n  ')}`,
      { hint: 'Choose one with --layer NAME.', details: { candidates: candidates.map((c) => c.tensor) } },
    );
  }
  const suggestions = suggestLayers(model);
  throw new ModelhubError(
    'UNSUPPORTED_MODEL',
    `${source} has no classifier layer (a final Gemm/MatMul with constant weights), so there is no default feature tensor.`,
    {
      hint:
        suggestions.length > 0
          ? `Name a tensor with --layer NAME, e.g. one of: ${suggestions.join(', ')}.`
          : 'Name a tensor with --layer NAME (`hub inspect MODEL` lists inputs and outputs).',
      details: { suggestions },
    },
  );
}
