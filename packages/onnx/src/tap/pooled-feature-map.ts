import type { OnnxModel } from '../model/onnx-model.ts';

/** Ops that average or take the maximum over a map's positions. */
const SPATIAL_POOLS = new Set(['AveragePool', 'GlobalAveragePool', 'GlobalMaxPool']);

/**
 * The feature map the network itself pools away on the way to `tap`: the input of the nearest
 * AveragePool / GlobalAveragePool / GlobalMaxPool the tap depends on (e.g. PaddleOCR rec's
 * backbone output `[N, 480, 3, W/4]` before its neck averages the rows away, or a ResNet's last
 * map before its global average). Undefined when the tap depends on no such pooling. What the map
 * still knows and the pooled tap forgot is where on the image each feature fired.
 */
export function pooledFeatureMap(model: OnnxModel, tap: string): string | undefined {
  const { nodes, initializers } = model.graph;
  const producerIndex = new Map<string, number>();
  nodes.forEach((n, i) => {
    for (const o of n.outputs) {
      producerIndex.set(o, i);
    }
  });
  const ancestors = new Set<number>();
  const stack = [tap];
  const seen = new Set(stack);
  while (stack.length > 0) {
    const index = producerIndex.get(stack.pop() as string);
    if (index === undefined || ancestors.has(index)) {
      continue;
    }
    ancestors.add(index);
    for (const input of nodes[index]?.inputs ?? []) {
      if (input !== '' && !seen.has(input) && !initializers.has(input)) {
        seen.add(input);
        stack.push(input);
      }
    }
  }
  // Nearest first: node order is topological, so the highest index is closest to the tap.
  for (const index of [...ancestors].sort((a, b) => b - a)) {
    const node = nodes[index];
    if (node !== undefined && SPATIAL_POOLS.has(node.opType) && node.inputs[0] !== undefined) {
      return node.inputs[0];
    }
  }
  return undefined;
}
