import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';
import { buildOnnxModel, DataType } from '@modelhub/onnx';

import { WorkerSession } from './worker-session.ts';

const dir = await mkdtemp(join(tmpdir(), 'modelhub-worker-session-'));
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function reluModel(): Promise<string> {
  const path = join(dir, 'relu.onnx');
  await writeFile(
    path,
    buildOnnxModel({
      nodes: [{ opType: 'Relu', inputs: ['x'], outputs: ['y'] }],
      inputs: [{ name: 'x', elemType: DataType.float, dims: ['N', 3] }],
      outputs: [{ name: 'y', elemType: DataType.float, dims: ['N', 3] }],
    }),
  );
  return path;
}

describe('WorkerSession', () => {
  it('runs a model on a worker thread, copying or transferring the input', async () => {
    const session = await WorkerSession.open(await reluModel(), 'relu.onnx');
    try {
      expect(session.inputNames).toEqual(['x']);
      const data = new Float32Array([-1, 2, -3, 4, -5, 6]);
      const copied = await session.run('x', data, [2, 3], ['y']);
      expect(Array.from(copied['y']?.data ?? [])).toEqual([0, 2, 0, 4, 0, 6]);
      expect(copied['y']?.dims).toEqual([2, 3]);
      expect(data.length).toBe(6); // still usable
      const moved = await session.run('x', data, [2, 3], ['y'], true);
      expect(Array.from(moved['y']?.data ?? [])).toEqual([0, 2, 0, 4, 0, 6]);
      expect(data.length).toBe(0); // buffer went to the worker
      await expect(session.run('nope', new Float32Array(3), [1, 3], ['y'])).rejects.toThrow(
        /input 'x' is missing/,
      );
    } finally {
      await session.release();
    }
    await session.release();
    await expect(session.run('x', new Float32Array(3), [1, 3], ['y'])).rejects.toThrow(/released/);
  });

  it('turns a file onnxruntime cannot load into UNSUPPORTED_MODEL', async () => {
    const path = join(dir, 'junk.onnx');
    await writeFile(path, 'not a model');
    const err = await WorkerSession.open(path, 'junk.onnx').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelhubError(err) && err.code).toBe('UNSUPPORTED_MODEL');
    expect(String(err)).toMatch(/onnxruntime cannot load junk\.onnx/);
  });

  it('opens the model on a worker started ahead of it (prestart), once; the next open starts its own', async () => {
    WorkerSession.prestart();
    WorkerSession.prestart(); // one spare at most
    const path = await reluModel();
    const first = await WorkerSession.open(path, 'relu.onnx');
    const second = await WorkerSession.open(path, 'relu.onnx');
    try {
      for (const session of [first, second]) {
        const out = await session.run('x', new Float32Array([-1, 2, -3]), [1, 3], ['y']);
        expect(Array.from(out['y']?.data ?? [])).toEqual([0, 2, 0]);
      }
    } finally {
      await first.release();
      await second.release();
    }
    // a started worker reports a model it cannot load like any other
    WorkerSession.prestart();
    const junk = join(dir, 'junk-prestarted.onnx');
    await writeFile(junk, 'not a model');
    const err = await WorkerSession.open(junk, 'junk-prestarted.onnx').then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelhubError(err) && err.code).toBe('UNSUPPORTED_MODEL');
    expect(String(err)).toMatch(/onnxruntime cannot load junk-prestarted\.onnx/);
  });
});
