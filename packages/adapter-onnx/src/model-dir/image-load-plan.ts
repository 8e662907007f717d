import { createHash } from 'node:crypto';
import { access, readFile, readdir, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import * as z from 'zod';

import { writeCacheFile } from '@modelhub/core';
import { markTappedModelUsed } from '@modelhub/onnx';
import type { OnnxValueInfo } from '@modelhub/onnx';
import type { InputAxis } from '@modelhub/vision';

import type { TracedAxes } from '../pooling/trace-axes.ts';

/**
 * What opening an image model learned from its graph and its probe runs, remembered per model
 * file (by its sha256) and tap request, so that the next process opens the session at once:
 * parsing a 10 MB graph, hashing it and the probe runs that trace the pooled axes cost ~60 ms of
 * every fresh `hub predict`, for answers that only change when the bytes do. The preprocessing
 * is still resolved each time (its config files may change on their own); the traced axes are
 * reused only for the same probe sizes, layout and free axes (`traceKey`).
 */
export interface ImageLoadPlan {
  /** The fed image input, as the graph declares it. */
  readonly input: OnnxValueInfo;
  /** The tapped tensor and the feature length its classifier implies (0 when unknown). */
  readonly tap: { readonly tensor: string; readonly dim: number };
  /** The model with the tap as an extra output (in the work folder, or beside the model). */
  readonly tappedPath: string;
  /** What the probe runs were made for, and what they found. */
  readonly traceKey: string;
  readonly traced: TracedAxes;
}

const dimSchema = z.union([z.number(), z.string(), z.null()]);
const axisSchema = z.union([z.literal('height'), z.literal('width'), z.null()]);

const planSchema = z.object({
  version: z.literal(1),
  input: z.object({
    name: z.string(),
    elemType: z.number().nullable(),
    dims: z.array(dimSchema).nullable(),
  }),
  tap: z.object({ tensor: z.string(), dim: z.number() }),
  tappedPath: z.string(),
  traceKey: z.string(),
  dims: z.array(z.tuple([z.string(), z.array(z.number())])),
  traced: z.array(z.tuple([z.string(), z.array(axisSchema)])).nullable(),
});
type PlanFile = z.infer<typeof planSchema>;

/**
 * The plan file for a model's sha256 and a tap request (`--layer`, or the automatic tap, and the
 * tensors of a head's grid views, whose plan names a graph that outputs them too).
 */
export function loadPlanPath(
  workDir: string,
  modelSha256: string,
  layer: string | undefined,
  views: readonly string[] = [],
): string {
  const request = createHash('sha256')
    .update(JSON.stringify(views.length === 0 ? { layer: layer ?? null } : { layer: layer ?? null, views }))
    .digest('hex');
  return join(resolve(workDir), 'onnx-plans', `${modelSha256.slice(0, 24)}-${request.slice(0, 12)}.json`);
}

/** What the probe runs depend on besides the model: the probe size, the layout and the free axes. */
export function traceKeyOf(
  probe: readonly number[],
  layout: string,
  free: { readonly height: boolean; readonly width: boolean },
): string {
  return JSON.stringify({ probe, layout, free });
}

/**
 * The remembered plan, or undefined when there is none, it cannot be read, or the tapped model it
 * names is gone: the caller then parses the graph as on a first load.
 */
export async function readLoadPlan(file: string): Promise<ImageLoadPlan | undefined> {
  let parsed: PlanFile;
  try {
    parsed = planSchema.parse(JSON.parse(await readFile(file, 'utf8')));
  } catch {
    return undefined;
  }
  // Marked used, so that `hub gc` keeps it.
  if (!(await markTappedModelUsed(parsed.tappedPath))) {
    return undefined;
  }
  return {
    input: {
      name: parsed.input.name,
      elemType: parsed.input.elemType ?? undefined,
      dims: parsed.input.dims?.map((d) => d ?? undefined),
    },
    tap: parsed.tap,
    tappedPath: parsed.tappedPath,
    traceKey: parsed.traceKey,
    traced: {
      dims: new Map(parsed.dims),
      traced:
        parsed.traced === null
          ? undefined
          : new Map(
              parsed.traced.map(([t, axes]) => [t, axes.map((a): InputAxis | undefined => a ?? undefined)]),
            ),
    },
  };
}

/** Remembers a plan; a read-only or full work folder only means the next load parses again. */
export async function writeLoadPlan(file: string, plan: ImageLoadPlan): Promise<void> {
  const json: PlanFile = {
    version: 1,
    input: {
      name: plan.input.name,
      elemType: plan.input.elemType ?? null,
      dims: plan.input.dims?.map((d) => d ?? null) ?? null,
    },
    tap: { tensor: plan.tap.tensor, dim: plan.tap.dim },
    tappedPath: plan.tappedPath,
    traceKey: plan.traceKey,
    dims: [...plan.traced.dims],
    traced:
      plan.traced.traced === undefined
        ? null
        : [...plan.traced.traced].map(([t, axes]) => [t, axes.map((a) => a ?? null)]),
  };
  await writeCacheFile(file, JSON.stringify(json));
}

/**
 * Removes the plans under `workDir/onnx-plans/` whose edited model is gone (after `hub gc` swept
 * it, say); a later load would ignore them anyway. Returns how many were (or would be) removed.
 */
export async function pruneLoadPlans(
  workDir: string,
  options: { readonly dryRun?: boolean } = {},
): Promise<number> {
  const root = join(resolve(workDir), 'onnx-plans');
  let names: string[];
  try {
    names = await readdir(root);
  } catch {
    return 0;
  }
  let removed = 0;
  for (const name of names.filter((n) => n.endsWith('.json'))) {
    const file = join(root, name);
    let tappedPath: unknown;
    try {
      tappedPath = (JSON.parse(await readFile(file, 'utf8')) as { tappedPath?: unknown }).tappedPath;
    } catch {
      tappedPath = undefined;
    }
    const kept =
      typeof tappedPath === 'string' &&
      (await access(tappedPath).then(
        () => true,
        () => false,
      ));
    if (kept) {
      continue;
    }
    if (options.dryRun !== true) {
      await rm(file, { force: true });
    }
    removed++;
  }
  return removed;
}
