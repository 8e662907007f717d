import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadPlanPath, pruneLoadPlans, readLoadPlan, traceKeyOf, writeLoadPlan } from './image-load-plan.ts';
import type { ImageLoadPlan } from './image-load-plan.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-load-plan-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const sha = 'ab'.repeat(32);

async function planWithTappedFile(dir: string): Promise<ImageLoadPlan> {
  await mkdir(dir, { recursive: true });
  const tappedPath = join(dir, 'model.onnx');
  await writeFile(tappedPath, 'graph bytes');
  return {
    input: { name: 'x', elemType: 1, dims: ['batch', 3, 48, undefined] },
    tap: { tensor: 'features', dim: 120 },
    tappedPath,
    traceKey: traceKeyOf([3, 48, 320], 'NCHW', { height: false, width: true }),
    traced: {
      dims: new Map([['features', [1, 40, 120]]]),
      traced: new Map([['features', [undefined, 'width', undefined]]]),
    },
  };
}

describe('image load plans', () => {
  it('round-trip through their file, symbolic and unknown dims included', async () => {
    const plan = await planWithTappedFile(join(work, 'a'));
    const file = loadPlanPath(join(work, 'a'), sha, undefined);
    await writeLoadPlan(file, plan);
    expect(await readLoadPlan(file)).toEqual(plan);
  });

  it('are kept apart by model hash and tap request', () => {
    const paths = new Set([
      loadPlanPath(work, sha, undefined),
      loadPlanPath(work, sha, 'other_tensor'),
      loadPlanPath(work, 'cd'.repeat(32), undefined),
    ]);
    expect(paths.size).toBe(3);
  });

  it('are no plan when missing, unreadable, of another shape, or naming an edited graph that is gone', async () => {
    const plan = await planWithTappedFile(join(work, 'b'));
    const file = loadPlanPath(join(work, 'b'), sha, undefined);
    expect(await readLoadPlan(file)).toBeUndefined();
    await mkdir(join(work, 'b', 'onnx-plans'), { recursive: true });
    await writeFile(file, '{"version":1,');
    expect(await readLoadPlan(file)).toBeUndefined();
    await writeFile(file, JSON.stringify({ version: 2 }));
    expect(await readLoadPlan(file)).toBeUndefined();
    await writeLoadPlan(file, plan);
    expect(await readLoadPlan(file)).toBeDefined();
    await rm(plan.tappedPath);
    expect(await readLoadPlan(file)).toBeUndefined();
  });

  it('are not written where the folder cannot be made, without failing the load', async () => {
    const dir = join(work, 'blocked');
    const plan = await planWithTappedFile(join(dir, 'taps'));
    // A file where the plans' folder should be: fails for root too, unlike mode bits.
    await writeFile(join(dir, 'onnx-plans'), 'not a folder');
    const file = loadPlanPath(dir, sha, undefined);
    await expect(writeLoadPlan(file, plan)).resolves.toBeUndefined();
    expect(await readLoadPlan(file)).toBeUndefined();
  });

  it('are pruned once the edited graph they name is gone, and kept while it is there', async () => {
    const dir = join(work, 'prune');
    const kept = await planWithTappedFile(join(dir, 'kept'));
    const gone = await planWithTappedFile(join(dir, 'gone'));
    await writeLoadPlan(loadPlanPath(dir, sha, undefined), kept);
    await writeLoadPlan(loadPlanPath(dir, sha, 'other'), gone);
    await writeFile(join(dir, 'onnx-plans', 'garbage.json'), '{');
    await rm(gone.tappedPath);
    expect(await pruneLoadPlans(dir, { dryRun: true })).toBe(2);
    expect(await readdir(join(dir, 'onnx-plans'))).toHaveLength(3);
    expect(await pruneLoadPlans(dir)).toBe(2);
    expect(await readdir(join(dir, 'onnx-plans'))).toEqual([
      loadPlanPath(dir, sha, undefined).split('/').at(-1),
    ]);
    expect(await pruneLoadPlans(join(work, 'no-plans'))).toBe(0);
  });
});
