import { link, mkdir, mkdtemp, readdir, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { markTappedModelUsed, sweepTappedModels } from './tapped-model-use.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-tapped-use-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const daysAgo = (n: number): Date => new Date(Date.now() - n * 86_400_000);

async function graph(workDir: string, key: string, bytes: number, usedAt: Date): Promise<string> {
  const dir = join(workDir, 'onnx-taps', key);
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'model.onnx');
  await writeFile(file, new Uint8Array(bytes));
  await utimes(file, usedAt, usedAt);
  return file;
}

describe('markTappedModelUsed', () => {
  it('dates an existing graph now, and says a missing one is gone', async () => {
    const file = await graph(join(work, 'mark'), 'a', 10, daysAgo(90));
    expect(await markTappedModelUsed(file)).toBe(true);
    expect(Date.now() - (await stat(file)).mtimeMs).toBeLessThan(60_000);
    expect(await markTappedModelUsed(join(work, 'mark', 'missing.onnx'))).toBe(false);
  });
});

describe('sweepTappedModels', () => {
  it('removes the graphs unused since the cutoff, and only reports them on a dry run', async () => {
    const workDir = join(work, 'sweep');
    await graph(workDir, 'old', 1000, daysAgo(40));
    await graph(workDir, 'recent', 500, daysAgo(2));
    const unusedSince = daysAgo(30);
    expect(await sweepTappedModels(workDir, { unusedSince, dryRun: true })).toEqual({
      removed: 1,
      freedBytes: 1000,
    });
    expect((await readdir(join(workDir, 'onnx-taps'))).sort()).toEqual(['old', 'recent']);
    expect(await sweepTappedModels(workDir, { unusedSince })).toEqual({ removed: 1, freedBytes: 1000 });
    expect(await readdir(join(workDir, 'onnx-taps'))).toEqual(['recent']);
  });

  it('does not count external data the model folder still links as freed', async () => {
    const workDir = join(work, 'linked');
    const file = await graph(workDir, 'old', 300, daysAgo(40));
    const data = join(work, 'model.onnx_data');
    await writeFile(data, new Uint8Array(5000));
    await link(data, join(file, '..', 'model.onnx_data'));
    await utimes(join(file, '..', 'model.onnx_data'), daysAgo(40), daysAgo(40));
    expect(await sweepTappedModels(workDir, { unusedSince: daysAgo(30) })).toEqual({
      removed: 1,
      freedBytes: 300,
    });
    expect((await stat(data)).size).toBe(5000);
  });

  it('finds nothing to do without a folder of edited graphs', async () => {
    expect(await sweepTappedModels(join(work, 'none'), { unusedSince: new Date() })).toEqual({
      removed: 0,
      freedBytes: 0,
    });
  });
});
