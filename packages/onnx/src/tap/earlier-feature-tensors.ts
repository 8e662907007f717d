import type { OnnxModel } from '../model/onnx-model.ts';

/** Ops whose constant second input is a learned weight: their first input is a feature tensor. */
const LEARNED = new Set(['Conv', 'ConvTranspose', 'MatMul', 'Gemm', 'MatMulInteger', 'ConvInteger']);
/** Ops that only pass a constant through (a weight stored as Constant + Cast/Identity/Dequantize). */
const CONST_PASS = new Set(['Identity', 'Cast', 'DequantizeLinear', 'Transpose', 'Reshape', 'Unsqueeze']);

/**
 * The feature tensors just before `tap`: the inputs of the nearest learned layers (a Conv, MatMul
 * or Gemm with a constant weight) that the tap depends on, nearest first, at most `limit`. These
 * are what the network itself feeds forward as features, so they are the natural alternatives
 * when the tap's own features transfer less well (e.g. for PaddleOCR rec: the inputs of the three
 * convolutions of its neck). The image input is never listed.
 */
export function earlierFeatureTensors(model: OnnxModel, tap: string, limit = 2): string[] {
  const { nodes, initializers, inputs } = model.graph;
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      producerIndex.set(o, i);
    }
  });
  const isConst = (name: string, depth = 0): boolean => {
    if (initializers.has(name)) {
      return true;
    }
    const p = nodes[producerIndex.get(name) ?? -1];
    if (p === undefined || depth > 8) {
      return false;
    }
    if (p.opType === 'Constant') {
      return true;
    }
    return CONST_PASS.has(p.opType) && p.inputs.filter((i) => i !== '').every((i) => isConst(i, depth + 1));
  };
  // Nodes the tap depends on, found by walking producers backwards.
  const ancestors = new Set<number>();
  const stack = [tap];
  const seen = new Set<string>(stack);
  while (stack.length > 0) {
    const index = producerIndex.get(stack.pop() as string);
    if (index === undefined || ancestors.has(index)) {
      continue;
    }
    ancestors.add(index);
    for (const input of (nodes[index] ?? { inputs: [] }).inputs) {
      if (input !== '' && !seen.has(input) && !initializers.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  const imageInputs = new Set(inputs.map((i) => i.name));
  const found: string[] = [];
  for (const index of [...ancestors].sort((a, b) => b - a)) {
    const node = nodes[index];
    if (node === undefined || !LEARNED.has(node.opType)) {
      continue;
    }
    const [data, weight] = node.inputs;
    if (data === undefined || weight === undefined || !isConst(weight) || isConst(data)) {
      continue;
    }
    if (data !== tap && !imageInputs.has(data) && !found.includes(data)) {
      found.push(data);
      if (found.length >= limit) {
        break;
      }
    }
  }
  return found;
}
