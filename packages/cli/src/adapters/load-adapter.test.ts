import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';
import type { ModelAdapter } from '@modelhub/core';

import { adapterFor, loadAdapter, type AdapterModules } from './load-adapter.ts';

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function folderWith(files: readonly string[]): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'modelhub-cli-adapter-'));
  dirs.push(dir);
  await Promise.all(files.map((f) => writeFile(join(dir, f), '')));
  return dir;
}

function fakeAdapter(format: ModelAdapter['format'], accepts: boolean): ModelAdapter {
  const no = (): Promise<never> => Promise.reject(new Error('not used'));
  return {
    format,
    detect: () => Promise.resolve(accepts),
    inspect: no,
    loadFeatureExtractor: no,
    predictOriginal: no,
  };
}

const brokenOnnx: AdapterModules = {
  onnx: () => Promise.reject(new Error('libonnxruntime.so.1: cannot open shared object file')),
  tfjs: () => Promise.resolve(fakeAdapter('tfjs', true)),
};

describe('lazy adapter loading', () => {
  it('wraps an import failure as BACKEND_UNAVAILABLE, keeping the cause', async () => {
    const err = await loadAdapter('onnx', brokenOnnx).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelhubError(err) && err.code).toBe('BACKEND_UNAVAILABLE');
    expect(String(err)).toMatch(/onnxruntime-node.*cannot open shared object/);
    expect(isModelhubError(err) && err.cause instanceof Error).toBe(true);
  });

  it('a broken ONNX runtime does not stop TF.js folders', async () => {
    const tfjsDir = await folderWith(['model.json', 'group1-shard1of1.bin']);
    expect((await adapterFor(tfjsDir, brokenOnnx)).format).toBe('tfjs');
    const onnxDir = await folderWith(['model.onnx']);
    await expect(adapterFor(onnxDir, brokenOnnx)).rejects.toThrow(/onnx backend/);
  });

  it('picks the adapter whose detect() accepts the folder, and refuses unknown folders', async () => {
    const both = await folderWith(['model.onnx', 'model.json']);
    const modules: AdapterModules = {
      onnx: () => Promise.resolve(fakeAdapter('onnx', false)),
      tfjs: () => Promise.resolve(fakeAdapter('tfjs', true)),
    };
    expect((await adapterFor(both, modules)).format).toBe('tfjs');
    const empty = await folderWith(['README.md']);
    await expect(adapterFor(empty, modules)).rejects.toThrow(/no model modelhub can run/);
  });

  it('loads the real ONNX adapter module lazily', async () => {
    const adapter = await loadAdapter('onnx');
    expect(adapter.format).toBe('onnx');
  });
});
