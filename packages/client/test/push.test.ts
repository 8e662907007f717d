import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';
import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { pull } from '../src/index.ts';
import { pushFolder } from '../src/push/push-folder.ts';

let registry: TestRegistry;
let work: string;
let alice: string;

async function headFolder(name: string, weights: Buffer): Promise<string> {
  const dir = join(work, name);
  await mkdir(join(dir, 'extra'), { recursive: true });
  await writeFile(join(dir, 'head.onnx'), weights);
  await writeFile(join(dir, 'modelhub.json'), '{"format":"modelhub-head"}\n');
  await writeFile(
    join(dir, 'README.md'),
    '---\nlibrary_name: onnx\nbase_model: modelhub/ppocr-rec\n---\n# a head\n',
  );
  await writeFile(join(dir, 'extra', 'labels.txt'), '0\n1\n');
  return dir;
}

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isModelhubError(error) ? error.code : `not coded: ${String(error)}`;
  }
  return undefined;
}

beforeAll(async () => {
  registry = await startTestRegistry({
    registry: { multipartThreshold: 3 * 1024 * 1024, multipartChunkSize: 1024 * 1024 },
  });
  work = await mkdtemp(join(tmpdir(), 'modelhub-push-'));
  alice = await registry.createToken('alice', true);
});

afterAll(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

describe('pushFolder', () => {
  it('creates the repo, uploads regular and LFS files, and pulls back byte for byte', async () => {
    const weights = randomBytes(200_000);
    const dir = await headFolder('head-a', weights);
    const result = await pushFolder(dir, 'alice/digits-head', { endpoint: registry.url, token: alice });
    expect(result.createdRepo).toBe(true);
    expect([...result.uploaded].sort()).toEqual([
      'README.md',
      'extra/labels.txt',
      'head.onnx',
      'modelhub.json',
    ]);
    expect(result.lfsBytes).toBe(200_000);
    expect(result.commitUrl).toBe(`${registry.url}/alice/digits-head/commit/${result.commit}`);

    const cache = join(work, 'cache-a');
    const pulled = await pull('alice/digits-head', { endpoint: registry.url, cacheDir: cache, env: {} });
    expect(pulled.commit).toBe(result.commit);
    expect(await readFile(join(pulled.dir, 'head.onnx'))).toEqual(weights);
    expect(await readFile(join(pulled.dir, 'extra', 'labels.txt'), 'utf8')).toBe('0\n1\n');
  });

  it('skips files the registry already has, and commits nothing when nothing changed', async () => {
    const dir = await headFolder('head-b', randomBytes(1000));
    const first = await pushFolder(dir, 'alice/skip-test', { endpoint: registry.url, token: alice });
    const again = await pushFolder(dir, 'alice/skip-test', { endpoint: registry.url, token: alice });
    expect(again.uploaded).toEqual([]);
    expect(again.commit).toBe(first.commit);
    expect(again.unchanged).toHaveLength(4);

    await writeFile(join(dir, 'extra', 'labels.txt'), '0\n1\n2\n');
    const third = await pushFolder(dir, 'alice/skip-test', { endpoint: registry.url, token: alice });
    expect(third.uploaded).toEqual(['extra/labels.txt']);
    expect(third.commit).not.toBe(first.commit);
  });

  it('uploads a large file in parts (multipart transfer)', async () => {
    const weights = randomBytes(3 * 1024 * 1024 + 123);
    const dir = await headFolder('head-big', weights);
    const seen: number[] = [];
    const result = await pushFolder(dir, 'alice/big-head', {
      endpoint: registry.url,
      token: alice,
      onProgress: (done) => seen.push(done),
    });
    expect(seen.at(-1)).toBe(weights.length);
    const pulled = await pull(`alice/big-head@${result.commit}`, {
      endpoint: registry.url,
      cacheDir: join(work, 'cache-big'),
      env: {},
    });
    expect(await readFile(join(pulled.dir, 'head.onnx'))).toEqual(weights);
  });

  it('commits to a new branch created from main', async () => {
    const dir = await headFolder('head-branch', randomBytes(100));
    await pushFolder(dir, 'alice/branchy', { endpoint: registry.url, token: alice });
    await writeFile(join(dir, 'README.md'), '# experiment\n');
    const result = await pushFolder(dir, 'alice/branchy', {
      endpoint: registry.url,
      token: alice,
      revision: 'exp/one',
    });
    expect(result.revision).toBe('exp/one');
    const main = await pull('alice/branchy', {
      endpoint: registry.url,
      cacheDir: join(work, 'cache-br'),
      env: {},
    });
    expect(await readFile(join(main.dir, 'README.md'), 'utf8')).toMatch(/a head/);
    const exp = await pull('alice/branchy@exp/one', {
      endpoint: registry.url,
      cacheDir: join(work, 'cache-br'),
      env: {},
    });
    expect(await readFile(join(exp.dir, 'README.md'), 'utf8')).toBe('# experiment\n');
  });

  it('refuses a push over a newer commit with CONFLICT', async () => {
    const dir = await headFolder('head-c', randomBytes(100));
    const first = await pushFolder(dir, 'alice/conflict', { endpoint: registry.url, token: alice });
    await writeFile(join(dir, 'README.md'), '# v2\n');
    await pushFolder(dir, 'alice/conflict', { endpoint: registry.url, token: alice });
    await writeFile(join(dir, 'README.md'), '# stale edit\n');
    expect(
      await codeOf(
        pushFolder(dir, 'alice/conflict', {
          endpoint: registry.url,
          token: alice,
          parentCommit: first.commit,
        }),
      ),
    ).toBe('CONFLICT');
  });

  it('refuses without a token, with a read token, and in another namespace', async () => {
    const dir = await headFolder('head-d', randomBytes(100));
    const reader = await registry.createToken('bob', false);
    const bob = await registry.createToken('bob', true);
    expect(await codeOf(pushFolder(dir, 'alice/x', { endpoint: registry.url, env: {} }))).toBe(
      'AUTH_REQUIRED',
    );
    expect(await codeOf(pushFolder(dir, 'bob/x', { endpoint: registry.url, token: reader }))).toBe(
      'AUTH_FORBIDDEN',
    );
    expect(await codeOf(pushFolder(dir, 'alice/x', { endpoint: registry.url, token: bob }))).toBe(
      'AUTH_FORBIDDEN',
    );
    expect(
      await codeOf(pushFolder(dir, 'alice/x', { endpoint: registry.url, token: 'hf_not_a_real_token' })),
    ).toBe('AUTH_INVALID_TOKEN');
  });

  it('keeps a private head invisible to others', async () => {
    const dir = await headFolder('head-p', randomBytes(100));
    await pushFolder(dir, 'alice/secret-head', { endpoint: registry.url, token: alice, private: true });
    const anonymous = pull('alice/secret-head', {
      endpoint: registry.url,
      cacheDir: join(work, 'cache-p'),
      env: {},
    });
    expect(await codeOf(anonymous)).toBe('REPO_NOT_FOUND');
    const own = await pull('alice/secret-head', {
      endpoint: registry.url,
      token: alice,
      cacheDir: join(work, 'cache-p2'),
      env: {},
    });
    expect(own.files.map((f) => f.path)).toContain('head.onnx');
  });

  it('refuses a missing folder and a bad repo id', async () => {
    expect(
      await codeOf(pushFolder(join(work, 'nope'), 'alice/y', { endpoint: registry.url, token: alice })),
    ).toBe('INVALID_ARGUMENT');
    const dir = await headFolder('head-e', randomBytes(10));
    expect(await codeOf(pushFolder(dir, 'just-a-name', { endpoint: registry.url, token: alice }))).toBe(
      'INVALID_ARGUMENT',
    );
  });
});
