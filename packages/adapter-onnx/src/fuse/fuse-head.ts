import type { FuseHeadOptions, PreprocessSpec } from '@modelhub/core';
import { fuseBackboneAndHead, type FusePooling } from '@modelhub/onnx';

import { loadImageExtractor } from '../adapter/onnx-adapter.ts';
import { imageInput, loadOnnx } from '../model-dir/load-onnx.ts';
import type { PoolPlan } from '../pooling/pool-plan.ts';

/** The ONNX form of the pooling the extractor applies in JS (mask included). */
export function fusePoolingOf(plan: PoolPlan, inputName: string, spec: PreprocessSpec): FusePooling {
  const pooling = {
    kind: plan.pooling === 'avg' ? 'mean' : plan.pooling,
    rank: plan.rank,
    channelAxis: plan.channelAxis,
  } as const;
  if (!plan.masked) {
    return pooling;
  }
  const nchw = spec.layout === 'NCHW';
  return {
    ...pooling,
    mask: {
      axes: plan.positions.flatMap((p) => (p.input === undefined ? [] : [{ axis: p.axis, input: p.input }])),
      imageInput: inputName,
      imageAxes: { height: nchw ? 2 : 1, width: nchw ? 3 : 2 },
      maxPositions: Math.max(
        spec.pad?.height ?? 0,
        spec.pad?.width ?? 0,
        spec.resize.height,
        spec.resize.width,
      ),
    },
  };
}

/**
 * Fuses the model in `modelDir` (cut at the head's tap) with a head graph. The pooling comes from
 * the same probe runs the extractor makes, so the fused graph computes exactly what modelhub does;
 * a masked pooling makes the fused model take `valid_size` [N, 2] (each image's height and width
 * before padding) next to the image.
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
    mask: options.tap.mask !== undefined,
  });
  const plan = extractor.poolPlan;
  const spec = extractor.preprocess;
  await extractor.dispose();
  const loaded = await loadOnnx(modelDir);
  return fuseBackboneAndHead(loaded.bytes, head, {
    tap: options.tap.tensor,
    pooling: fusePoolingOf(plan, imageInput(loaded).name, spec),
    metadata: options.metadata,
  });
}
