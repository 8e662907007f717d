import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { pull, type PullOptions } from '../src/index.ts';
import { bytesServed } from './helpers/fault-proxy.ts';
import { isModelDownload, usePpocrHarness } from './helpers/ppocr-harness.ts';
import { publish } from './helpers/publish.ts';
import { recordingFront } from './helpers/recording-front.ts';

const h = usePpocrHarness('modelhub-client-faults-');
const { proxy, freshCache, expectVerified, blobNames } = h;

/** A small deterministic PRNG, so "random" cut offsets are the same on every run. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const fast = {
  parallelThreshold: 1 << 20,
  chunkSize: 1 << 20,
  connectionsPerFile: 4,
  retry: { retries: 8, baseDelayMs: 2, maxDelayMs: 20 },
};
/**
 * A stall budget short enough for the tests that inject stalls. Only those use it: on a loaded
 * machine a request can wait longer than this for its first byte, and the restarted range would
 * be fetched twice, which the other tests count as a failure.
 */
const stallMs = 400;

function options(endpoint: string, cacheDir: string, extra: PullOptions = {}): PullOptions {
  return { endpoint, cacheDir, env: {}, include: ['model.onnx'], tuning: fast, ...extra };
}

describe('faults between the client and the real registry', () => {
  it('downloads a large file in parallel byte ranges over reused connections', async () => {
    const p = await proxy(() => ({ kind: 'pass' }));
    const result = await pull('modelhub/ppocr-rec', options(p.url, await freshCache()));
    await expectVerified(result.dir);
    const ranges = p.requests.filter((r) => isModelDownload(r.url)).map((r) => r.range);
    expect(ranges.length).toBeGreaterThanOrEqual(Math.ceil(h.original.length / (1 << 20)));
    expect(new Set(ranges).size).toBe(ranges.length);
  });

  it.each([
    ['undici', { socketMinBytes: Number.POSITIVE_INFINITY }],
    ['the raw socket', { socketMinBytes: 1 }],
    ['the raw socket, writing behind', { socketMinBytes: 1, writeBehind: true }],
  ])('lets idle connections take over the rest of a slow range (%s)', async (_, transport) => {
    let slowOnes = 0;
    const p = await proxy(({ url }) => {
      if (isModelDownload(url) && slowOnes === 0) {
        slowOnes += 1;
        return { kind: 'slow', bytesPerSecond: 128 << 10 };
      }
      return { kind: 'pass' };
    });
    const result = await pull(
      'modelhub/ppocr-rec',
      options(p.url, await freshCache(), { tuning: { ...fast, ...transport, stealMinBytes: 64 << 10 } }),
    );
    await expectVerified(result.dir);
    const model = p.requests.filter((r) => isModelDownload(r.url));
    const slow = model.find((r) => r.action === 'slow');
    // The slow connection was stopped long before the end of its 1 MiB range (8 s at its pace)...
    expect(slow?.bytes ?? Infinity).toBeLessThan(1 << 18);
    // ...because other connections fetched the rest of it, from split points off the 1 MiB grid.
    const starts = model.map((r) => Number(/^bytes=(\d+)-/.exec(r.range ?? '')?.[1] ?? 0));
    expect(starts.some((start) => start % (1 << 20) !== 0)).toBe(true);
  });

  it('survives connections cut at random offsets', async () => {
    const rand = random(42);
    let cuts = 0;
    const p = await proxy(({ url }) => {
      if (isModelDownload(url) && cuts < 6) {
        cuts += 1;
        return { kind: 'cut', afterBytes: Math.floor(rand() * (1 << 20)) };
      }
      return { kind: 'pass' };
    });
    const result = await pull('modelhub/ppocr-rec', options(p.url, await freshCache()));
    await expectVerified(result.dir);
    expect(cuts).toBe(6);
  });

  it('survives truncated bodies', async () => {
    let left = 4;
    const p = await proxy(({ url }) =>
      isModelDownload(url) && left-- > 0 ? { kind: 'truncate', afterBytes: 1000 } : { kind: 'pass' },
    );
    const result = await pull('modelhub/ppocr-rec', options(p.url, await freshCache()));
    await expectVerified(result.dir);
  });

  it('rides out a storm of 500s and 429s (honouring Retry-After)', async () => {
    let i = 0;
    const p = await proxy(() => {
      i += 1;
      if (i <= 3) {
        return { kind: 'status', status: 503 };
      }
      if (i <= 6) {
        return { kind: 'status', status: 429, headers: { 'retry-after': '0' } };
      }
      return i % 3 === 0 ? { kind: 'status', status: 500 } : { kind: 'pass' };
    });
    const result = await pull('modelhub/ppocr-rec', options(p.url, await freshCache()));
    await expectVerified(result.dir);
    expect(p.requests.filter((r) => r.action === 'status').length).toBeGreaterThan(6);
  });

  it('gives up on a registry that keeps failing with a network-class error (exit 5)', async () => {
    const p = await proxy(() => ({ kind: 'status', status: 500 }));
    const error = await pull(
      'modelhub/ppocr-rec',
      options(p.url, await freshCache(), { tuning: { ...fast, retry: { retries: 2, baseDelayMs: 1 } } }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'HTTP_ERROR', exitCode: 5 });
  });

  it('restarts a stalled transfer', async () => {
    let left = 2;
    const p = await proxy(({ url }) =>
      isModelDownload(url) && left-- > 0 ? { kind: 'stall', afterBytes: 5000 } : { kind: 'pass' },
    );
    const result = await pull(
      'modelhub/ppocr-rec',
      options(p.url, await freshCache(), { tuning: { ...fast, stallMs } }),
    );
    await expectVerified(result.dir);
  });

  it('re-downloads after a corrupted byte, and keeps nothing unverified', async () => {
    let left = 1;
    const p = await proxy(({ url }) =>
      isModelDownload(url) && left-- > 0 ? { kind: 'corrupt', atByte: 12345 } : { kind: 'pass' },
    );
    const events: string[] = [];
    const result = await pull(
      'modelhub/ppocr-rec',
      options(p.url, await freshCache(), {
        onProgress: (e) => (e.type === 'retry' ? events.push(e.reason) : 0),
      }),
    );
    await expectVerified(result.dir);
    expect(events.join()).toMatch(/integrity/);
  });

  it('fails with INTEGRITY_MISMATCH (exit 3) when the bytes stay corrupt, leaving no blob, partial or link', async () => {
    const p = await proxy(({ url }) =>
      isModelDownload(url) ? { kind: 'corrupt', atByte: 7 } : { kind: 'pass' },
    );
    const cacheDir = await freshCache();
    const error = await pull('modelhub/ppocr-rec', options(p.url, cacheDir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTEGRITY_MISMATCH', exitCode: 3 });
    expect(await blobNames(cacheDir, p.url)).toEqual([]);
    const snap = join(
      cacheDir,
      new URL(p.url).host.replace(':', '_'),
      'models--modelhub--ppocr-rec',
      'snapshots',
    );
    const commits = await readdir(snap).catch(() => []);
    for (const c of commits) {
      await expect(lstat(join(snap, c, 'model.onnx'))).rejects.toThrow();
    }
  });

  it('fails with DISK_FULL on ENOSPC (fault hook in the file writer) and removes the partial file', async () => {
    const cacheDir = await freshCache();
    let written = 0;
    const error = await pull(
      'modelhub/ppocr-rec',
      options(h.registry.url, cacheDir, {
        tuning: {
          ...fast,
          writeFault: (_offset, length) => {
            written += length;
            if (written > 3 << 20) {
              throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
            }
          },
        },
      }),
    ).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'DISK_FULL' });
    expect(await blobNames(cacheDir, h.registry.url)).toEqual([]);
  });

  it('resumes an interrupted download from its partial file instead of starting over', async () => {
    const p = await proxy(() => ({ kind: 'pass' }));
    const cacheDir = await freshCache();
    const controller = new AbortController();
    p.onBytes('model.onnx', 4 << 20, () => controller.abort(new Error('stopped by the test')));
    await expect(
      pull('modelhub/ppocr-rec', options(p.url, cacheDir, { signal: controller.signal })),
    ).rejects.toThrow('stopped by the test');
    const blobs = await blobNames(cacheDir, p.url);
    expect(blobs.some((b) => b.endsWith('.partial'))).toBe(true);
    expect(blobs.some((b) => b.endsWith('.partial.json'))).toBe(true);
    const root = join(
      cacheDir,
      new URL(p.url).host.replace(':', '_'),
      'models--modelhub--ppocr-rec',
      'blobs',
    );
    const stateFile = blobs.find((b) => b.endsWith('.partial.json')) ?? '';
    const state = JSON.parse(await readFile(join(root, stateFile), 'utf8')) as { done: [number, number][] };
    const kept = state.done.reduce((sum, [s, e]) => sum + (e - s), 0);
    expect(kept).toBeGreaterThan(0);
    const before = bytesServed(p, 'model.onnx');
    const result = await pull('modelhub/ppocr-rec', options(p.url, cacheDir));
    await expectVerified(result.dir);
    const second = bytesServed(p, 'model.onnx') - before;
    expect(second).toBeLessThanOrEqual(h.original.length - kept);
    expect(await blobNames(cacheDir, p.url)).toEqual([sha256(h.original)]);
  });

  it('does not send the token when a download redirects to another host', async () => {
    const alice = await h.registry.createToken('alice', true);
    await publish(h.registry.url, alice, 'alice/redirected', { 'data.txt': 'hello redirect' });
    // "storage" answers on localhost (another origin), the "registry" on 127.0.0.1 redirects resolves there.
    const storage = await recordingFront(h.registry.url);
    const storageUrl = storage.url.replace('127.0.0.1', 'localhost');
    const front = await recordingFront(h.registry.url, (path, res) => {
      if (!path.includes('/resolve/')) {
        return false;
      }
      res.writeHead(302, { location: `${storageUrl}${path}` });
      res.end();
      return true;
    });
    try {
      const result = await pull('alice/redirected', {
        endpoint: front.url,
        cacheDir: await freshCache(),
        env: {},
        token: alice,
      });
      expect(await readFile(join(result.dir, 'data.txt'), 'utf8')).toBe('hello redirect');
      expect(storage.seen.length).toBeGreaterThan(0);
      expect(storage.seen.every((s) => s.headers.authorization === undefined)).toBe(true);
      expect(front.seen.every((s) => s.headers.authorization === `Bearer ${alice}`)).toBe(true);
    } finally {
      await storage.close();
      await front.close();
    }
  });
});
