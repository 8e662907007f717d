import { ModelhubError } from '@modelhub/core';

import type { TfjsModelJson } from './model-files.ts';

/** A layer of a Keras topology, reduced to what the tap search needs. */
interface LayerInfo {
  readonly name: string;
  readonly className: string;
  readonly inbound: string[];
}

/** The model's image input and its own output, read from `model.json` alone. */
export interface TopologyInfo {
  readonly kind: 'layers' | 'graph';
  readonly inputName: string;
  /** `[batch, …]` with -1 for unknown dims. */
  readonly inputShape: number[];
  readonly outputName: string;
  /** Size of the last axis of the output, when known. */
  readonly outputSize: number | null;
  /** The default tap: the layer/node feeding the first Dense/MatMul of the classifier head. */
  readonly defaultTap: string | undefined;
  /** Its length, from the classifier weight's shape, when known. */
  readonly defaultTapDim: number | null;
  /** Other plausible taps (pooling / flatten layers, squeeze nodes), nearest the output first. */
  readonly otherCandidates: string[];
  /** Every layer or node name, to check a user's `--layer`. */
  readonly names: ReadonlySet<string>;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const dimOf = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? -1) || -1);

function unsupported(message: string): ModelhubError {
  return new ModelhubError('UNSUPPORTED_MODEL', message, {
    hint: 'Name the layer or node to tap with --layer (see `hub inspect`).',
  });
}

function weightShape(json: TfjsModelJson, name: string): number[] | undefined {
  for (const group of json.weightsManifest) {
    for (const w of group.weights) {
      if (w.name === name) {
        return w.shape;
      }
    }
  }
  return undefined;
}

// Layers a classifier head is made of (walked back through from the output).
const headLayers = new Set([
  'Dense',
  'Dropout',
  'Activation',
  'Softmax',
  'ReLU',
  'LeakyReLU',
  'AlphaDropout',
  'GaussianDropout',
]);
const poolLayers = new Set([
  'GlobalAveragePooling2D',
  'GlobalMaxPooling2D',
  'GlobalAveragePooling1D',
  'Flatten',
  'AveragePooling2D',
]);

function layersOf(json: TfjsModelJson): {
  layers: LayerInfo[];
  outputs: string[];
  inputs: Array<{ name: string; shape: number[] }>;
} {
  const topology = json.modelTopology;
  const modelConfig =
    isRecord(topology) && isRecord(topology['model_config']) ? topology['model_config'] : topology;
  if (!isRecord(modelConfig)) {
    throw unsupported('model.json has no Keras model_config');
  }
  const className = str(modelConfig['class_name']);
  const config = modelConfig['config'];
  const rawLayers: unknown[] = Array.isArray(config)
    ? config
    : isRecord(config) && Array.isArray(config['layers'])
      ? config['layers']
      : [];
  const layers: LayerInfo[] = [];
  let previous: string | undefined;
  const inputs: Array<{ name: string; shape: number[] }> = [];
  for (const raw of rawLayers) {
    if (!isRecord(raw) || !isRecord(raw['config'])) {
      continue;
    }
    const name = str(raw['config']['name']) || str(raw['name']);
    const cls = str(raw['class_name']);
    let inbound: string[] = [];
    const nodes = raw['inbound_nodes'];
    if (Array.isArray(nodes) && nodes.length > 0) {
      const first: unknown = nodes[0];
      if (Array.isArray(first)) {
        inbound = first.map((n) => (Array.isArray(n) ? str(n[0]) : '')).filter((n) => n !== '');
      } else if (isRecord(first) && Array.isArray(first['args'])) {
        // Keras 3: { args: [ { config: { keras_history: [name, 0, 0] } } ] }
        inbound = (first['args'] as unknown[]).flatMap((a) => {
          const history = isRecord(a) && isRecord(a['config']) ? a['config']['keras_history'] : undefined;
          return Array.isArray(history) ? [str(history[0])] : [];
        });
      }
    } else if (className === 'Sequential' && previous !== undefined) {
      inbound = [previous];
    }
    const shape = raw['config']['batch_input_shape'] ?? raw['config']['batch_shape'];
    if (cls === 'InputLayer' || (previous === undefined && Array.isArray(shape))) {
      inputs.push({ name, shape: Array.isArray(shape) ? shape.map(dimOf) : [] });
    }
    layers.push({ name, className: cls, inbound });
    previous = name;
  }
  const declared = isRecord(config) ? config['output_layers'] : undefined;
  const outputs = Array.isArray(declared)
    ? declared.map((o) => (Array.isArray(o) ? str(o[0]) : '')).filter((o) => o !== '')
    : previous === undefined
      ? []
      : [previous];
  return { layers, outputs, inputs };
}

function layersTopology(json: TfjsModelJson): TopologyInfo {
  const { layers, outputs, inputs } = layersOf(json);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const input = inputs[0];
  const outputName = outputs[0];
  if (input === undefined || outputName === undefined) {
    throw unsupported('model.json declares no input or output layer');
  }
  let tap: string | undefined;
  let firstDense: LayerInfo | undefined;
  let current = byName.get(outputName);
  while (current !== undefined && headLayers.has(current.className) && current.inbound.length === 1) {
    if (current.className === 'Dense') {
      firstDense = current;
    }
    current = byName.get(current.inbound[0] ?? '');
  }
  if (firstDense !== undefined && current !== undefined) {
    tap = current.name;
  }
  const kernel = firstDense === undefined ? undefined : weightShape(json, `${firstDense.name}/kernel`);
  const lastDense = byName.get(outputName);
  const outKernel =
    lastDense?.className === 'Dense' ? weightShape(json, `${lastDense.name}/kernel`) : undefined;
  const others = layers
    .filter((l) => poolLayers.has(l.className) && l.name !== tap)
    .map((l) => l.name)
    .reverse()
    .slice(0, 4);
  return {
    kind: 'layers',
    inputName: input.name,
    inputShape: input.shape,
    outputName,
    outputSize: outKernel?.[1] ?? null,
    defaultTap: tap,
    defaultTapDim: kernel?.length === 2 ? (kernel[0] ?? null) : null,
    otherCandidates: others,
    names: new Set(layers.map((l) => l.name)),
  };
}

interface GraphNode {
  readonly name: string;
  readonly op: string;
  readonly input: string[];
  readonly attr: Record<string, unknown>;
}

const passThrough = new Set([
  'Identity',
  'Softmax',
  'Sigmoid',
  'BiasAdd',
  'Add',
  'AddV2',
  'Relu',
  'Relu6',
  'Reshape',
  'Squeeze',
]);
const matMuls = new Set(['MatMul', '_FusedMatMul']);

function graphTopology(json: TfjsModelJson): TopologyInfo {
  const topology = json.modelTopology;
  const rawNodes: unknown[] = isRecord(topology) && Array.isArray(topology['node']) ? topology['node'] : [];
  const nodes: GraphNode[] = rawNodes.filter(isRecord).map((n) => ({
    name: str(n['name']),
    op: str(n['op']),
    input: Array.isArray(n['input']) ? n['input'].map(str) : [],
    attr: isRecord(n['attr']) ? n['attr'] : {},
  }));
  const clean = (ref: string): string => ref.replace(/^\^/, '').replace(/:\d+$/, '');
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const consumed = new Set(nodes.flatMap((n) => n.input.map(clean)));
  const placeholder = nodes.find((n) => n.op === 'Placeholder');
  if (placeholder === undefined) {
    throw unsupported('the graph model has no Placeholder input');
  }
  // attr: { shape: { shape: { dim: [{ size: '-1' }, …] } } } (a TensorShapeProto inside an AttrValue)
  const attrValue = placeholder.attr['shape'];
  const shapeAttr = isRecord(attrValue) && isRecord(attrValue['shape']) ? attrValue['shape'] : attrValue;
  const dims = isRecord(shapeAttr) && Array.isArray(shapeAttr['dim']) ? shapeAttr['dim'] : [];
  const inputShape = dims.map((d) => (isRecord(d) ? dimOf(d['size']) : -1));
  const weightNames = new Set(json.weightsManifest.flatMap((g) => g.weights.map((w) => w.name)));
  const sinks = nodes.filter((n) => !consumed.has(n.name) && n.op !== 'Const' && !weightNames.has(n.name));
  const output = sinks.find((n) => n.op === 'Identity') ?? sinks[sinks.length - 1];
  if (output === undefined) {
    throw unsupported('the graph model has no output node');
  }
  let current: GraphNode | undefined = output;
  let firstMatMul: GraphNode | undefined;
  let outputSize: number | null = null;
  while (current !== undefined && (passThrough.has(current.op) || matMuls.has(current.op))) {
    if (matMuls.has(current.op)) {
      const w = weightShape(json, clean(current.input[1] ?? ''));
      if (firstMatMul === undefined && w !== undefined) {
        outputSize = w[1] ?? null;
      }
      firstMatMul = current;
    }
    current = byName.get(clean(current.input[0] ?? ''));
  }
  const tap = firstMatMul === undefined ? undefined : clean(firstMatMul.input[0] ?? '');
  const weight = firstMatMul === undefined ? undefined : weightShape(json, clean(firstMatMul.input[1] ?? ''));
  const transposed = firstMatMul?.attr['transpose_b'];
  const tapDim =
    weight?.length === 2
      ? ((isRecord(transposed) && transposed['b'] === true ? weight[1] : weight[0]) ?? null)
      : null;
  const others = nodes
    .filter((n) => (n.op === 'AvgPool' || n.op === 'Mean' || n.op === 'Squeeze') && n.name !== tap)
    .map((n) => n.name)
    .reverse()
    .slice(0, 4);
  return {
    kind: 'graph',
    inputName: placeholder.name,
    inputShape,
    outputName: output.name,
    outputSize,
    defaultTap: tap,
    defaultTapDim: tapDim,
    otherCandidates: others,
    names: new Set(nodes.map((n) => n.name)),
  };
}

/** Reads inputs, output and the default feature tap from a TF.js `model.json`, without loading weights. */
export function analyseTopology(json: TfjsModelJson, kind: 'layers' | 'graph'): TopologyInfo {
  return kind === 'layers' ? layersTopology(json) : graphTopology(json);
}
