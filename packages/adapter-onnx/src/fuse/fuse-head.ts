import type { FuseHeadOptions } from '@modelhub/core';
import { fuseBackboneAndHead, type FusePooling } from '@modelhub/onnx';

import { loadOnnx } from '../model-dir/load-onnx.ts';
import type { PoolPlan } from '../pooling/pool-features.ts';
import { loadImageExtractor } from '../adapter/onnx-adapter.ts';

/** The ONNX form of the pooling the extractor applies in JS. */
export function fusePoolingOf(plan: PoolPlan): FusePooling {
  switch (plan.pooling) {
    case 'none':
      return { kind: 'none' };
    case 'flatten':
      return { kind: 'flatten' };
    case 'cls':
      return { kind: 'first', axis: 1 };
    case 'mean':
    case 'max':
    case 'meanmax':
      return { kind: 'mean', axes: [1] };
    case 'avg':
      return { kind: 'mean', axes: plan.channelsLast ? [1, 2] : [2, 3] };
  }
}

/**
 * Fuses the model in `modelDir` (cut at the head's tap) with a head graph. The pooling comes from
 * the same probe run the extractor makes, so the fused graph computes exactly what modelhub does.
 */
export async function fuseHead(
  modelDir: string,
  head: Uint8Array,
  options: FuseHeadOptions,
): Promise<Uint8Array> {
  const extractor = await loadImageExtractor(modelDir, {
    ...options,
    layer: options.tap.tensor,
    pooling: options.tap.pooling,
  });
  const plan = extractor.poolPlan;
  await extractor.dispose();
  const loaded = await loadOnnx(modelDir);
  return fuseBackboneAndHead(loaded.bytes, head, {
    tap: options.tap.tensor,
    pooling: fusePoolingOf(plan),
    metadata: options.metadata,
  });
}
