import type { FuseHeadOptions, PreprocessSpec } from '@modelhub/core';
import { fuseBackboneAndHead, type FuseGridView, type FusePooling } from '@modelhub/onnx';

import { loadImageExtractor } from '../adapter/onnx-adapter.ts';
import { imageInput, loadOnnx } from '../model-dir/load-onnx.ts';
import type { GridViewPlan, PoolPlan } from '../pooling/pool-plan.ts';

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

/** The ONNX form of a grid view the extractor joins in JS (mask included). */
function fuseGridViewOf(g: GridViewPlan, inputName: string, spec: PreprocessSpec): FuseGridView {
  const [rows, cols] = g.plan.positions;
  const pooling = fusePoolingOf(g.plan, inputName, spec);
  return {
    tensor: g.view.tensor,
    channelAxis: g.plan.channelAxis,
    positions: [rows?.axis ?? 2, cols?.axis ?? 3],
    grid: g.view.grid,
    weight: g.view.weight,
    ...(pooling.mask === undefined ? {} : { mask: pooling.mask }),
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
    ...(options.tap.views === undefined ? {} : { views: options.tap.views }),
  });
  const plan = extractor.poolPlan;
  const views = extractor.variants[0]?.views ?? [];
  const spec = extractor.preprocess;
  await extractor.dispose();
  const loaded = await loadOnnx(modelDir);
  const inputName = imageInput(loaded).name;
  return fuseBackboneAndHead(loaded.bytes, head, {
    tap: options.tap.tensor,
    pooling: fusePoolingOf(plan, inputName, spec),
    views: views.map((g) => fuseGridViewOf(g, inputName, spec)),
    metadata: options.metadata,
  });
}
