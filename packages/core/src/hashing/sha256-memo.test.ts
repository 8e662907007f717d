import { appendFile, chmod, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { Sha256Memo } from './sha256-memo.ts';
import { sha256 } from './sha256.ts';

let dir: string;
/** Files written by the test count as settled at once (the default waits 2 s, see `racyMs`). */
const settled = { racyMs: 0 };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelhub-sha256-memo-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface MemoJson {
  version: number;
  entries: Record<string, { stat: string; sha256: string }>;
}

describe('Sha256Memo', () => {
  it('hashes a file, remembers it by its stat identity, and a later process uses the record', async () => {
    const file = join(dir, 'model.onnx');
    await writeFile(file, 'weights v1');
    const memoFile = join(dir, 'memo', 'sha256-memo.json');
    expect(await new Sha256Memo(memoFile, settled).sha256(file)).toEqual({
      size: 10,
      sha256: sha256('weights v1'),
    });
    const json = JSON.parse(await readFile(memoFile, 'utf8')) as MemoJson;
    expect(Object.values(json.entries).map((e) => e.sha256)).toEqual([sha256('weights v1')]);

    // A record for the file's unchanged identity is taken as it is (the file is not read again):
    // shown with a record that names other bytes.
    const real = Object.keys(json.entries)[0] ?? '';
    const forged = { ...json, entries: { [real]: { ...json.entries[real], sha256: sha256('other') } } };
    await writeFile(memoFile, JSON.stringify(forged));
    expect((await new Sha256Memo(memoFile, settled).sha256(file)).sha256).toBe(sha256('other'));
  });

  it('reads a file again once it was written to, whatever the record says', async () => {
    const file = join(dir, 'changed.bin');
    await writeFile(file, 'original');
    const memoFile = join(dir, 'memo-changed.json');
    expect((await new Sha256Memo(memoFile, settled).sha256(file)).sha256).toBe(sha256('original'));
    await appendFile(file, ' + corrupted');
    expect(await new Sha256Memo(memoFile, settled).sha256(file)).toEqual({
      size: 20,
      sha256: sha256('original + corrupted'),
    });
  });

  it('follows symlinks to the blob, so every snapshot that links it shares one record', async () => {
    const blob = join(dir, 'blob');
    await writeFile(blob, 'shared');
    await mkdir(join(dir, 'snap-a'));
    await mkdir(join(dir, 'snap-b'));
    await symlink(blob, join(dir, 'snap-a', 'model.onnx'));
    await symlink(blob, join(dir, 'snap-b', 'model.onnx'));
    const memoFile = join(dir, 'memo-links.json');
    const memo = new Sha256Memo(memoFile, settled);
    await memo.sha256(join(dir, 'snap-a', 'model.onnx'));
    await memo.sha256(join(dir, 'snap-b', 'model.onnx'));
    const json = JSON.parse(await readFile(memoFile, 'utf8')) as MemoJson;
    expect(Object.keys(json.entries)).toHaveLength(1);
  });

  it('does not remember a file changed within the last 2 s (coarse timestamps could hide a write)', async () => {
    const file = join(dir, 'fresh.bin');
    await writeFile(file, 'fresh');
    const memoFile = join(dir, 'memo-fresh.json');
    expect((await new Sha256Memo(memoFile).sha256(file)).sha256).toBe(sha256('fresh'));
    await expect(readFile(memoFile)).rejects.toThrow(/ENOENT/);
  });

  it('still hashes correctly without a memo file, and with a memo it cannot write or parse', async () => {
    const file = join(dir, 'plain.bin');
    await writeFile(file, 'plain');
    expect((await new Sha256Memo(undefined).sha256(file)).sha256).toBe(sha256('plain'));
    const garbled = join(dir, 'garbled.json');
    await writeFile(garbled, '{"version":1,"entries":');
    expect((await new Sha256Memo(garbled).sha256(file)).sha256).toBe(sha256('plain'));
    // a memo path under a regular file cannot be created: the hash is still returned
    expect((await new Sha256Memo(join(file, 'memo.json')).sha256(file)).sha256).toBe(sha256('plain'));
    const locked = join(dir, 'locked');
    await mkdir(locked);
    await chmod(locked, 0o500);
    try {
      expect((await new Sha256Memo(join(locked, 'memo.json')).sha256(file)).sha256).toBe(sha256('plain'));
    } finally {
      await chmod(locked, 0o700);
    }
  });
});
