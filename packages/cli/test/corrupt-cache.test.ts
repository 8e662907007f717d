import { cp, mkdir, mkdtemp, open, readdir, readlink, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureIo, ensureFixtures, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { fromPretrained } from '../src/index.ts';
import { runCli } from '../src/program.ts';

// A cached backbone whose bytes changed after they were verified must never reach a runtime:
// every command that loads a model from the cache fails with exit 3 and the repair command, and
// `hub verify --repair` brings the model back.

let registry: TestRegistry;
let work: string;
let cacheDir: string;
let image: string;
let data: string;

beforeAll(async () => {
  const fx = await ensureFixtures();
  registry = await startTestRegistry({ seed: ['ppocr-rec'] });
  work = await mkdtemp(join(tmpdir(), 'modelhub-corrupt-cache-'));
  cacheDir = join(work, 'cache');
  const label = fx.digits.labels[0] ?? '0';
  const first = (await readdir(join(fx.digits.test, label)))[0] ?? '';
  image = join(fx.digits.test, label, first);
  data = join(work, 'data');
  for (const l of fx.digits.labels.slice(0, 2)) {
    await mkdir(join(data, l), { recursive: true });
    for (const file of (await readdir(join(fx.digits.train, l))).slice(0, 2)) {
      await cp(join(fx.digits.train, l, file), join(data, l, file));
    }
  }
});

afterAll(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

async function hub(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(['--endpoint', registry.url, '--cache-dir', cacheDir, '--quiet', ...args], io);
  return { code, out: io.out, err: io.err };
}

/** Changes 4 bytes in the middle of a cached file's blob, in place (same size, same inode). */
async function corrupt(snapshotFile: string): Promise<void> {
  const blob = resolve(dirname(snapshotFile), await readlink(snapshotFile));
  const file = await open(blob, 'r+');
  try {
    const { size } = await file.stat();
    await file.write(Buffer.from([1, 2, 3, 4]), 0, 4, Math.floor(size / 2));
  } finally {
    await file.close();
  }
}

function expectRepairHint(result: { code: number; err: string }): void {
  expect(result.err).toContain('error [INTEGRITY_MISMATCH]:');
  expect(result.err).toContain('model.onnx');
  expect(result.err).toContain('hub verify --repair modelhub/ppocr-rec');
  expect(result.err).not.toContain('internal error');
  expect(result.code).toBe(3);
}

describe('a corrupted cached backbone', () => {
  it('stops predict, embed, train, pull and fromPretrained with exit 3 until hub verify --repair', async () => {
    const pulled = await hub(['--json', 'pull', 'ppocr-rec']);
    expect(pulled.code).toBe(0);
    const dir = (JSON.parse(pulled.out) as { dir: string }).dir;
    await corrupt(join(dir, 'model.onnx'));

    expectRepairHint(await hub(['predict', 'ppocr-rec', image]));
    expectRepairHint(await hub(['--offline', 'predict', 'ppocr-rec', image]));
    expectRepairHint(await hub(['embed', 'ppocr-rec', image, '--out', join(work, 'e.npy')]));
    expectRepairHint(
      await hub(['train', '--base', 'ppocr-rec', '--data', data, '--out', join(work, 'head')]),
    );
    expectRepairHint(await hub(['pull', 'ppocr-rec']));
    await expect(
      fromPretrained('ppocr-rec', { endpoint: registry.url, cacheDir, env: {} }),
    ).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      hint: expect.stringContaining('hub verify --repair modelhub/ppocr-rec') as string,
    });

    const repaired = await hub(['verify', '--repair', 'ppocr-rec']);
    expect(repaired.out).toContain('repaired');
    expect(repaired.code).toBe(0);
    expect((await hub(['--offline', 'pull', 'ppocr-rec'])).code).toBe(0);
  });
});
