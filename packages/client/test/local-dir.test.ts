import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { pull, type PullOptions } from '../src/index.ts';
import { publish } from './helpers/publish.ts';

// `localDir`: the files of a pull also land in a plain folder, as copies that stay apart from the
// cache and are only rewritten when they changed.

let registry: TestRegistry;
let scratch: string;
let token: string;
const repo = 'alice/local';
const files: Record<string, Buffer> = {
  'model.onnx': randomBytes(300_000),
  'config.json': Buffer.from('{"a":1}'),
  'sub/vocab.txt': Buffer.from('a\nb\n'),
};

beforeAll(async () => {
  registry = await startTestRegistry({});
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-client-local-'));
  token = await registry.createToken('alice', true);
  await publish(registry.url, token, repo, files);
});

afterAll(async () => {
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('pull into a local folder', () => {
  it('copies the files as plain files, keeps unchanged ones, restores edited ones, and never touches the cache', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    const localDir = join(scratch, 'project', 'models', 'local');
    const options: PullOptions = { endpoint: registry.url, cacheDir, env: {}, localDir };

    const first = await pull(repo, options);
    // The registry's .gitattributes comes too, as with huggingface_hub's --local-dir.
    expect(first.files.map((f) => f.path).sort()).toEqual(['.gitattributes', ...Object.keys(files)].sort());
    expect(first.localDir).toEqual({ dir: localDir, copied: 4, kept: 0 });
    for (const [path, content] of Object.entries(files)) {
      const entry = await lstat(join(localDir, path));
      expect(entry.isFile()).toBe(true);
      expect((await readFile(join(localDir, path))).equals(content)).toBe(true);
    }
    const before = await stat(join(localDir, 'model.onnx'));

    const second = await pull(repo, options);
    expect(second.localDir).toMatchObject({ copied: 0, kept: 4 });
    expect((await stat(join(localDir, 'model.onnx'))).mtimeMs).toBe(before.mtimeMs);

    // An edit in the folder stays out of the cache, and the next pull puts the original back.
    await writeFile(join(localDir, 'config.json'), '{"edited":true}');
    expect(
      (await readFile(join(first.dir, 'config.json'))).equals(files['config.json'] ?? Buffer.alloc(0)),
    ).toBe(true);
    const third = await pull(repo, options);
    expect(third.localDir).toMatchObject({ copied: 1, kept: 3 });
    expect(
      (await readFile(join(localDir, 'config.json'))).equals(files['config.json'] ?? Buffer.alloc(0)),
    ).toBe(true);
    // Bookkeeping lives under .modelhub/, and no temp file is left behind.
    expect((await readdir(localDir)).sort()).toEqual([
      '.gitattributes',
      '.modelhub',
      'config.json',
      'model.onnx',
      'sub',
    ]);
  });

  it('follows a new revision, offline from the cache too, and copies nothing on a dry run', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'cache-'));
    const localDir = await mkdtemp(join(scratch, 'rev-'));
    await pull(repo, { endpoint: registry.url, cacheDir, env: {}, localDir });
    const changed = { ...files, 'config.json': Buffer.from('{"a":2}') };
    await publish(registry.url, token, repo, changed);
    const updated = await pull(repo, {
      endpoint: registry.url,
      cacheDir,
      env: {},
      localDir,
      tuning: { metadataTtls: { revision: 0 } },
    });
    expect(updated.localDir).toMatchObject({ copied: 1 });
    expect(await readFile(join(localDir, 'config.json'), 'utf8')).toBe('{"a":2}');

    const offlineDir = await mkdtemp(join(scratch, 'offline-'));
    const offline = await pull(repo, {
      endpoint: registry.url,
      cacheDir,
      env: {},
      offline: true,
      localDir: offlineDir,
    });
    expect(offline.localDir).toMatchObject({ copied: 4 });

    const dryDir = join(scratch, 'dry');
    const dry = await pull(repo, {
      endpoint: registry.url,
      cacheDir,
      env: {},
      dryRun: true,
      localDir: dryDir,
    });
    expect(dry.localDir).toBeUndefined();
    await expect(lstat(dryDir)).rejects.toThrow();
  });
});
