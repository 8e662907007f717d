import { randomBytes } from 'node:crypto';
import { lstat, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { acquireLock } from '../src/cache/file-lock.ts';
import { gcCache, pull, type PullOptions } from '../src/index.ts';
import { startFaultProxy, type FaultAction, type FaultProxy } from './helpers/fault-proxy.ts';
import { publish } from './helpers/publish.ts';

// The small-file path (files fetched into memory and written once, under one lock per repo) under
// the same faults as the large-file path: each case ends in verified files or a clean, coded error.

let registry: TestRegistry;
let scratch: string;
const proxies: FaultProxy[] = [];
const repo = 'alice/many-small';
const files: Record<string, Buffer> = {};
for (let i = 0; i < 24; i += 1) {
  files[`dir-${String(i % 3)}/f-${String(i)}.bin`] = randomBytes(2000 + i * 997);
}
// Two paths with the same content share one blob.
files['copy/of-f-0.bin'] = files['dir-0/f-0.bin'] ?? Buffer.alloc(0);
// An empty file: a body of zero bytes is a complete file too.
files['empty.bin'] = Buffer.alloc(0);

beforeAll(async () => {
  registry = await startTestRegistry({});
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-client-small-'));
  await publish(registry.url, await registry.createToken('alice', true), repo, files);
});

afterAll(async () => {
  await Promise.all(proxies.map((p) => p.close()));
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

async function proxy(plan: (req: { url: string }) => FaultAction): Promise<FaultProxy> {
  const p = await startFaultProxy(registry.url, plan);
  proxies.push(p);
  return p;
}

/** The transport of the small files under test (set per describe block below). */
let sockets = true;

const options = (endpoint: string, cacheDir: string, extra: PullOptions = {}): PullOptions => ({
  endpoint,
  cacheDir,
  env: {},
  include: ['*.bin'],
  ...extra,
  tuning: {
    // Long enough that a busy machine never looks like a stall (which would fetch a file twice);
    // the fault test below shortens it to exercise the watchdog.
    stallMs: 30_000,
    retry: { retries: 8, baseDelayMs: 2, maxDelayMs: 20 },
    smallFileSockets: sockets,
    ...extra.tuning,
  },
});

const repoDir = (cacheDir: string, endpoint: string): string =>
  join(cacheDir, new URL(endpoint).host.replace(':', '_'), 'models--alice--many-small');

async function expectAllVerified(dir: string): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    expect((await readFile(join(dir, path))).equals(content)).toBe(true);
  }
}

const isFile = (url: string): boolean => url.includes('/resolve/') && url.endsWith('.bin');

describe.each([
  ['over kept-alive raw connections', true],
  ['over undici', false],
])('the small-file path %s', (_, raw) => {
  beforeAll(() => {
    sockets = raw;
  });

  it('fetches each file once, shares a blob between equal files, and leaves no lock or temp file', async () => {
    const p = await proxy(() => ({ kind: 'pass' }));
    const cacheDir = await mkdtemp(join(scratch, 'plain-'));
    const result = await pull(repo, options(p.url, cacheDir));
    await expectAllVerified(result.dir);
    expect(p.requests.filter((r) => isFile(r.url))).toHaveLength(Object.keys(files).length - 1);
    const blobs = await readdir(join(repoDir(cacheDir, p.url), 'blobs'));
    expect(blobs).toHaveLength(Object.keys(files).length - 1);
    expect(blobs.every((b) => /^[0-9a-f]{40,64}$/.test(b))).toBe(true);
    expect(
      await readdir(
        join(cacheDir, new URL(p.url).host.replace(':', '_'), '.locks', 'models--alice--many-small'),
      ),
    ).toEqual([]);
  });

  it('rides out cuts, truncated bodies, stalls and a 503/429 storm on small files', async () => {
    let n = 0;
    const p = await proxy(({ url }) => {
      if (!isFile(url)) {
        return { kind: 'pass' };
      }
      n += 1;
      const faults: FaultAction[] = [
        { kind: 'cut', afterBytes: 100 },
        { kind: 'truncate', afterBytes: 1500 },
        { kind: 'stall', afterBytes: 10 },
        { kind: 'status', status: 503 },
        { kind: 'status', status: 429, headers: { 'retry-after': '0' } },
      ];
      return n <= 15 ? (faults[n % faults.length] ?? { kind: 'pass' }) : { kind: 'pass' };
    });
    const result = await pull(
      repo,
      options(p.url, await mkdtemp(join(scratch, 'faults-')), { tuning: { stallMs: 300 } }),
    );
    await expectAllVerified(result.dir);
    expect(new Set(p.requests.map((r) => r.action))).toEqual(
      new Set(['pass', 'cut', 'truncate', 'stall', 'status']),
    );
  });

  it('re-fetches a corrupted small file once, and fails with INTEGRITY_MISMATCH when it stays corrupt, keeping nothing unverified', async () => {
    let once = true;
    const flaky = await proxy(({ url }) => {
      if (once && url.endsWith('f-5.bin')) {
        once = false;
        return { kind: 'corrupt', atByte: 3 };
      }
      return { kind: 'pass' };
    });
    const retries: string[] = [];
    const ok = await pull(
      repo,
      options(flaky.url, await mkdtemp(join(scratch, 'flaky-')), {
        onProgress: (e) => (e.type === 'retry' ? retries.push(e.path) : 0),
      }),
    );
    await expectAllVerified(ok.dir);
    expect(retries).toEqual(['dir-2/f-5.bin']);

    const bad = await proxy(({ url }) =>
      url.endsWith('f-7.bin') ? { kind: 'corrupt', atByte: 0 } : { kind: 'pass' },
    );
    const cacheDir = await mkdtemp(join(scratch, 'corrupt-'));
    const error = await pull(repo, options(bad.url, cacheDir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTEGRITY_MISMATCH', exitCode: 3 });
    const dir = repoDir(cacheDir, bad.url);
    const blobs = await readdir(join(dir, 'blobs'));
    // Every other file made it; the corrupt one left no blob, temp file or link, and no ref was written.
    expect(blobs).toHaveLength(Object.keys(files).length - 2);
    expect(blobs.some((b) => b.includes('.incomplete'))).toBe(false);
    const [commit = ''] = await readdir(join(dir, 'snapshots'));
    await expect(lstat(join(dir, 'snapshots', commit, 'dir-1', 'f-7.bin'))).rejects.toThrow();
    await expect(lstat(join(dir, 'refs', 'main'))).rejects.toThrow();
  });

  it('two concurrent pulls into one cache fetch each small blob once', async () => {
    const p = await proxy(() => ({ kind: 'pass' }));
    const cacheDir = await mkdtemp(join(scratch, 'shared-'));
    const [a, b] = await Promise.all([
      pull(repo, options(p.url, cacheDir)),
      pull(repo, options(p.url, cacheDir)),
    ]);
    expect(a.dir).toBe(b.dir);
    await expectAllVerified(a.dir);
    const fetched = p.requests.filter((r) => isFile(r.url)).map((r) => r.url);
    expect(fetched).toHaveLength(new Set(fetched).size);
    expect(a.downloadedBytes + b.downloadedBytes).toBe(
      Object.entries(files)
        .filter(([path]) => path !== 'copy/of-f-0.bin')
        .reduce((n, [, c]) => n + c.length, 0),
    );
  });

  it('stops at once when aborted mid-transfer, leaving no temp file and no lock', async () => {
    const p = await proxy(({ url }) => (isFile(url) ? { kind: 'stall', afterBytes: 10 } : { kind: 'pass' }));
    const cacheDir = await mkdtemp(join(scratch, 'aborted-'));
    const controller = new AbortController();
    p.onBytes('.bin', 10, () => controller.abort(new Error('stopped by the test')));
    await expect(
      pull(repo, options(p.url, cacheDir, { signal: controller.signal, tuning: { stallMs: 60_000 } })),
    ).rejects.toThrow('stopped by the test');
    const names = await readdir(join(repoDir(cacheDir, p.url), 'blobs')).catch(() => []);
    expect(names).toEqual([]);
    expect(
      await readdir(
        join(cacheDir, new URL(p.url).host.replace(':', '_'), '.locks', 'models--alice--many-small'),
      ),
    ).toEqual([]);
  });

  it('hub gc leaves the temp files of small files alone while a pull holds the repo lock', async () => {
    const cacheDir = await mkdtemp(join(scratch, 'gc-'));
    await pull(repo, options(registry.url, cacheDir));
    const root = join(cacheDir, new URL(registry.url).host.replace(':', '_'));
    const blobs = join(repoDir(cacheDir, registry.url), 'blobs');
    const temp = join(blobs, `${'c'.repeat(64)}.0badcafe.incomplete`);
    await writeFile(temp, 'being written');
    const lock = await acquireLock(
      join(root, '.locks', 'models--alice--many-small', 'small-files.modelhub.lock'),
    );
    try {
      expect((await gcCache(root)).removedPartials).toBe(0);
      expect(await readdir(blobs)).toContain(`${'c'.repeat(64)}.0badcafe.incomplete`);
    } finally {
      await lock.release();
    }
    expect((await gcCache(root)).removedPartials).toBe(1);
    expect(await readdir(blobs)).not.toContain(`${'c'.repeat(64)}.0badcafe.incomplete`);
  });
});
