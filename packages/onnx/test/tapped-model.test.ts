import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, describe, expect, it } from 'vitest';

import { buildOnnxModel, DataType, tensorBytes } from '../src/model/build-model.ts';
import { readOnnxModel } from '../src/model/onnx-model.ts';
import { externalDataFiles, writeTappedModel } from '../src/edit/tapped-model.ts';

const F = DataType.float;
const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

async function tempDir(): Promise<string> {
  const d = await mkdtemp(join(tmpdir(), 'modelhub-onnx-'));
  dirs.push(d);
  return d;
}

/** x [N,4] → Relu → h → MatMul(w [4,3], stored in weights.bin) → Add(b) → logits. */
async function externalDataModel(dir: string): Promise<string> {
  const w = new Float32Array([0.5, -1, 2, 0.25, -0.5, 1, 1.5, -2, 0.1, 0.2, -0.3, 0.4]);
  await writeFile(join(dir, 'weights.bin'), tensorBytes(w));
  const bytes = buildOnnxModel({
    nodes: [
      { opType: 'Relu', inputs: ['x'], outputs: ['h'] },
      { opType: 'MatMul', name: 'fc', inputs: ['h', 'w'], outputs: ['mm'] },
      { opType: 'Add', inputs: ['mm', 'b'], outputs: ['logits'] },
    ],
    initializers: [
      { name: 'w', dims: [4, 3], dataType: F, values: w, external: { location: 'weights.bin', offset: 0 } },
      { name: 'b', dims: [3], dataType: F, values: new Float32Array([1, 2, 3]) },
    ],
    inputs: [{ name: 'x', elemType: F, dims: ['N', 4] }],
    outputs: [{ name: 'logits', elemType: F, dims: ['N', 3] }],
  });
  const path = join(dir, 'model.onnx');
  await writeFile(path, bytes);
  return path;
}

async function run(path: string, fetch: string[]): Promise<Record<string, number[]>> {
  const session = await InferenceSession.create(path);
  try {
    const x = new Tensor('float32', new Float32Array([1, -2, 3, 0.5, -1, 2, 0, 4]), [2, 4]);
    const out = await session.run({ x }, fetch);
    return Object.fromEntries(fetch.map((f) => [f, Array.from(out[f]?.data as Float32Array)]));
  } finally {
    await session.release();
  }
}

describe('writeTappedModel', () => {
  it('writes the edited model into the cache with its external data linked next to it', async () => {
    const modelPath = await externalDataModel(await tempDir());
    const workDir = await tempDir();
    const bytes = await readFile(modelPath);
    const model = readOnnxModel(bytes);
    expect(externalDataFiles(model)).toEqual(['weights.bin']);

    const first = await writeTappedModel(modelPath, model, bytes, ['h'], workDir);
    expect(first.created).toBe(true);
    expect(dirname(first.path).startsWith(join(workDir, 'onnx-taps'))).toBe(true);
    const original = await run(modelPath, ['logits']);
    const edited = await run(first.path, ['logits', 'h']);
    expect(edited['logits']).toEqual(original['logits']);
    expect(edited['h']).toEqual([1, 0, 3, 0.5, 0, 2, 0, 4]);

    const again = await writeTappedModel(modelPath, model, bytes, ['h'], workDir);
    expect(again).toEqual({ ...first, created: false });
    const other = await writeTappedModel(modelPath, model, bytes, ['mm'], workDir);
    expect(other.path).not.toBe(first.path);
  });

  it('fails clearly when the external data file is missing', async () => {
    const dir = await tempDir();
    const modelPath = await externalDataModel(dir);
    await rm(join(dir, 'weights.bin'));
    const bytes = await readFile(modelPath);
    await expect(
      writeTappedModel(modelPath, readOnnxModel(bytes), bytes, ['h'], await tempDir()),
    ).rejects.toThrow(/external data "weights.bin", which is missing/);
  });
});
