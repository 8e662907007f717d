import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { commit } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';
import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { pull } from '../src/index.ts';
import { pushFolder } from '../src/push/push-folder.ts';
import { startFaultProxy, type FaultAction, type FaultProxy } from './helpers/fault-proxy.ts';

let registry: TestRegistry;
let work: string;
let alice: string;
/** A proxy in front of the registry that keeps the Host header, so upload URLs lead back through it. */
let proxy: FaultProxy;
let plan: (req: { method: string; url: string; index: number }) => FaultAction = () => ({ kind: 'pass' });
const quick = { retries: 4, baseDelayMs: 2, maxDelayMs: 20 };

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
  proxy = await startFaultProxy(registry.url, (req) => plan(req), { preserveHost: true });
});

afterAll(async () => {
  await proxy.close();
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

  it('sends a part again alone when its upload is cut, and a single-PUT file too', async () => {
    const weights = randomBytes(3 * 1024 * 1024 + 5);
    const small = randomBytes(300_000);
    const dir = await headFolder('head-cut', weights);
    // A NUL in its first bytes makes it binary, so LFS: random bytes alone would hold none in one
    // push of seven and go inline in the commit.
    small[0] = 0;
    await writeFile(join(dir, 'extra', 'small.dat'), small);
    const from = proxy.requests.length;
    const cut = new Set<string>();
    plan = ({ method, url }) => {
      const key = url.split('?')[0] ?? url;
      // The first attempt of part 2 and of the single PUT are cut after 64 KiB of their bodies.
      if (method === 'PUT' && (/\/2$/.test(key) || !/\/\d+$/.test(key)) && !cut.has(key)) {
        cut.add(key);
        return { kind: 'drop', afterBodyBytes: 64 << 10 };
      }
      return { kind: 'pass' };
    };
    const seen: number[] = [];
    const result = await pushFolder(dir, 'alice/cut-parts', {
      endpoint: proxy.url,
      token: alice,
      retry: quick,
      onProgress: (done) => seen.push(done),
    });
    const puts = proxy.requests.slice(from).filter((r) => r.method === 'PUT');
    const attempts: Record<string, number> = {};
    for (const put of puts) {
      const key = put.url.split('?')[0] ?? put.url;
      const name = /\/(\d+)$/.exec(key)?.[1];
      const label = name === undefined ? `single ${key}` : `part ${name}`;
      attempts[label] = (attempts[label] ?? 0) + 1;
    }
    // Four parts and one single PUT; only the two cut ones went twice.
    expect(Object.values(attempts).sort(), JSON.stringify(attempts)).toEqual([1, 1, 1, 2, 2]);
    expect(cut.size).toBe(2);
    expect(seen.at(-1)).toBe(weights.length + small.length);
    const pulled = await pull(`alice/cut-parts@${result.commit}`, {
      endpoint: registry.url,
      cacheDir: join(work, 'cache-cut'),
      env: {},
    });
    expect(await readFile(join(pulled.dir, 'head.onnx'))).toEqual(weights);
    expect(await readFile(join(pulled.dir, 'extra', 'small.dat'))).toEqual(small);
  });

  it('gives up on a part that keeps failing, with an error naming the file and part', async () => {
    const dir = await headFolder('head-fail', randomBytes(3 * 1024 * 1024 + 7));
    plan = ({ method, url }) =>
      method === 'PUT' && /\/3$/.test(url) ? { kind: 'status', status: 503 } : { kind: 'pass' };
    const error = await pushFolder(dir, 'alice/fail-parts', {
      endpoint: proxy.url,
      token: alice,
      retry: quick,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_ERROR' });
    expect(String((error as Error).message)).toMatch(/part 3 of head\.onnx kept failing.*503 5 times/);
  });

  /** Commits `path` to alice/racing directly on the registry (another user's push). */
  const concurrentCommit = (path: string, text: string) =>
    commit({
      hubUrl: registry.url,
      accessToken: alice,
      repo: { type: 'model', name: 'alice/racing' },
      title: `concurrent ${path}`,
      operations: [{ operation: 'addOrUpdate', path, content: new Blob([text]) }],
    });

  it('on 412 moves onto the new head and commits there when the other commit touched other files', async () => {
    const dir = await headFolder('head-race', randomBytes(1000));
    await pushFolder(dir, 'alice/racing', { endpoint: registry.url, token: alice });
    await writeFile(join(dir, 'extra', 'labels.txt'), 'a\nb\n');
    let raced = 0;
    let other = '';
    plan = ({ method, url }) => {
      if (method === 'POST' && url.includes('/commit/') && raced++ === 0) {
        // Another commit lands between this push's head check and its commit.
        return {
          kind: 'hold',
          until: concurrentCommit('notes.md', 'hi').then((c) => (other = c?.commit.oid ?? '')),
        };
      }
      return { kind: 'pass' };
    };
    const result = await pushFolder(dir, 'alice/racing', { endpoint: proxy.url, token: alice, retry: quick });
    expect(raced).toBe(2);
    expect(result.uploaded).toEqual(['extra/labels.txt']);
    const history = (await (await fetch(`${registry.url}/api/models/alice/racing/commits/main`)).json()) as {
      id: string;
    }[];
    expect(history.map((c) => c.id).slice(0, 2)).toEqual([result.commit, other]);
    const pulled = await pull('alice/racing', {
      endpoint: registry.url,
      cacheDir: join(work, 'cache-race'),
      env: {},
    });
    expect(await readFile(join(pulled.dir, 'notes.md'), 'utf8')).toBe('hi');
    expect(await readFile(join(pulled.dir, 'extra', 'labels.txt'), 'utf8')).toBe('a\nb\n');
  });

  it('on 412 refuses with CONFLICT when the other commit changed a pushed file, overwriting nothing', async () => {
    const dir = await headFolder('head-race-2', randomBytes(1000));
    await writeFile(join(dir, 'notes.md'), 'mine');
    let raced = 0;
    plan = ({ method, url }) =>
      method === 'POST' && url.includes('/commit/') && raced++ === 0
        ? { kind: 'hold', until: concurrentCommit('notes.md', 'theirs') }
        : { kind: 'pass' };
    const error = await pushFolder(dir, 'alice/racing', {
      endpoint: proxy.url,
      token: alice,
      retry: quick,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', details: { conflicting: ['notes.md'] } });
    const notes = await fetch(`${registry.url}/alice/racing/resolve/main/notes.md`);
    expect(await notes.text()).toBe('theirs');
  });

  it('on 412 gives up with CONFLICT after a bounded number of lost races', async () => {
    const dir = await headFolder('head-race-3', randomBytes(1000));
    await writeFile(join(dir, 'mine.txt'), 'mine');
    let raced = 0;
    plan = ({ method, url }) =>
      method === 'POST' && url.includes('/commit/')
        ? { kind: 'hold', until: concurrentCommit(`others/${raced++}.txt`, 'x') }
        : { kind: 'pass' };
    const error = await pushFolder(dir, 'alice/racing', {
      endpoint: proxy.url,
      token: alice,
      retry: quick,
      maxRebases: 2,
    }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'CONFLICT', details: { attempts: 3 } });
    expect(raced).toBe(3);
  });
});
