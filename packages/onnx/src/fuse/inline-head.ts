import { ModelhubError } from '@modelhub/core';

import type { AttributeValue, NodeSpec, TensorSpec, ValueInfoSpec } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';
import { readFloatTensor, type OnnxAttribute, type OnnxModel } from '../model/onnx-model.ts';

/** A head graph's nodes and weights renamed into an outer graph, reading `features` there. */
export interface InlinedHead {
  readonly nodes: readonly NodeSpec[];
  readonly tensors: readonly TensorSpec[];
  /** The outer names of the head's `logits` and `probs` outputs. */
  readonly logits: string;
  readonly probs: string;
  /** Number of classes, when head.onnx states it. */
  readonly classes: number | undefined;
}

function attributeValue(a: OnnxAttribute): AttributeValue {
  if (a.int !== undefined) {
    return a.int;
  }
  if (a.float !== undefined) {
    return { float: a.float };
  }
  if (a.ints.length > 0) {
    return a.ints;
  }
  if (a.string !== undefined) {
    return a.string;
  }
  throw new ModelhubError(
    'UNSUPPORTED_MODEL',
    `head attribute ${a.name} has a type the fuser does not copy.`,
  );
}

/**
 * Renames a head graph (Gemm/Relu/Softmax over float weights, as `buildHeadModel` writes it) into
 * an outer graph: its input becomes `features`, its outputs `wanted.logits` / `wanted.probs` (made
 * unique by `unique`), everything else goes under `head/`.
 */
export function inlineHead(
  headModel: OnnxModel,
  features: string,
  unique: (name: string) => string,
  wanted: { readonly logits: string; readonly probs: string } = { logits: 'logits', probs: 'probs' },
): InlinedHead {
  const headInput = headModel.graph.inputs[0]?.name ?? 'features';
  const rename = new Map<string, string>([[headInput, features]]);
  for (const { name } of headModel.graph.outputs) {
    rename.set(
      name,
      unique(name === 'probs' ? wanted.probs : name === 'logits' ? wanted.logits : `head/${name}`),
    );
  }
  const renamed = (name: string): string => {
    let out = rename.get(name);
    if (out === undefined) {
      out = unique(`head/${name}`);
      rename.set(name, out);
    }
    return out;
  };
  const tensors: TensorSpec[] = [];
  for (const [name, header] of headModel.graph.initializers) {
    const values = readFloatTensor(header);
    if (values === undefined) {
      throw new ModelhubError('INVALID_MANIFEST', `head.onnx initializer ${name} is not a float tensor.`);
    }
    tensors.push({ name: renamed(name), dims: header.dims, dataType: DataType.float, values });
  }
  const nodes: NodeSpec[] = headModel.graph.nodes.map((node) => {
    const attributes: Record<string, AttributeValue> = {};
    node.attributes.forEach((a, key) => {
      attributes[key] = attributeValue(a);
    });
    return {
      opType: node.opType,
      name: `head/${node.name || node.outputs[0] || node.opType}`,
      domain: node.domain,
      inputs: node.inputs.map(renamed),
      outputs: node.outputs.map(renamed),
      attributes,
    };
  });
  const classes = headModel.graph.outputs[0]?.dims?.[1];
  return {
    nodes,
    tensors,
    logits: rename.get('logits') ?? wanted.logits,
    probs: rename.get('probs') ?? wanted.probs,
    classes: typeof classes === 'number' ? classes : undefined,
  };
}

/**
 * The fused graph's outputs: the inlined head's logits and probabilities, float `[batch, classes]`
 * (`C` when head.onnx does not state the number of classes).
 */
export function headOutputs(inlined: InlinedHead, batch: number | string): ValueInfoSpec[] {
  return [inlined.logits, inlined.probs].map((name) => ({
    name,
    elemType: DataType.float,
    dims: [batch, inlined.classes ?? 'C'],
  }));
}
