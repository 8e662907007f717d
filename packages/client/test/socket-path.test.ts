// The raw-socket receive path of downloadBlob (plain http, large requests), through the same
// faults as faults.test.ts: every case must end in verified bytes or a clean, coded error.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { pull, type PullOptions } from '../src/index.ts';
import { bytesServed } from './helpers/fault-proxy.ts';
import { isModelDownload, usePpocrHarness } from './helpers/ppocr-harness.ts';
import { publish } from './helpers/publish.ts';
import { recordingFront } from './helpers/recording-front.ts';

const h = usePpocrHarness('modelhub-client-socket-');
const { proxy, freshCache, expectVerified, blobNames } = h;

/**
 * Every request on the raw socket (one stream per file), small slabs so the pool runs dry, and
 * the sha256 on a worker thread (the default only from 64 MiB on).
 */
const single = {
  socketMinBytes: 0,
  hashOnThread: true,
  socketSlabBytes: 256 << 10,
  smallFileThreshold: 0,
  retry: { retries: 8, baseDelayMs: 2, maxDelayMs: 20 },
};
/**
 * A stall budget short enough for the test that injects stalls. Only it uses it: on a loaded
 * machine a request can wait longer than this for its first byte, and the restarted range would
 * be fetched twice, which the other tests count as a failure.
 */
const stallMs = 400;
/** The same in parallel byte ranges. */
const ranges = { ...single, parallelThreshold: 1 << 20, chunkSize: 1 << 20, connectionsPerFile: 4 };

function options(endpoint: string, cacheDir: string, extra: PullOptions = {}): PullOptions {
  return { endpoint, cacheDir, env: {}, include: ['model.onnx'], tuning: single, ...extra };
}

describe('the raw-socket download path', () => {
  it('is what a large plain-http download uses by default, and it verifies', async () => {
    const front = await recordingFront(h.registry.url);
    try {
      const result = await pull('modelhub/ppocr-rec', {
        endpoint: front.url,
        cacheDir: await freshCache(),
        env: {},
        include: ['model.onnx'],
      });
      await expectVerified(result.dir);
      const downloads = front.seen.filter((s) => isModelDownload(s.path));
      expect(downloads.length).toBe(1);
      // undici keeps connections alive; the raw path asks for one connection per request.
      expect(downloads[0]?.headers.connection).toBe('close');
      expect(downloads[0]?.headers['accept-encoding']).toBe('identity');
    } finally {
      await front.close();
    }
  });

  it('downloads in parallel byte ranges', async () => {
    const p = await proxy(() => ({ kind: 'pass' }));
    const result = await pull('modelhub/ppocr-rec', options(p.url, await freshCache(), { tuning: ranges }));
    await expectVerified(result.dir);
    const got = p.requests.filter((r) => isModelDownload(r.url)).map((r) => r.range);
    expect(got.length).toBeGreaterThanOrEqual(Math.ceil(h.original.length / (1 << 20)));
    expect(new Set(got).size).toBe(got.length);
  });

  it.each([
    ['one stream', single],
    ['ranges', ranges],
    ['writes behind the receive loop', { ...ranges, writeBehind: true }],
    ['hash on this thread', { ...ranges, hashOnThread: false }],
  ])('survives connections cut and bodies truncated (%s)', async (_name, tuning) => {
    let i = 0;
    const p = await proxy(({ url }) => {
      if (!isModelDownload(url) || i >= 6) {
        return { kind: 'pass' };
      }
      i += 1;
      const afterBytes = 1000 + ((i * 700_001) % (1 << 20));
      return i % 2 === 0 ? { kind: 'cut', afterBytes } : { kind: 'truncate', afterBytes };
    });
    const result = await pull('modelhub/ppocr-rec', options(p.url, await freshCache(), { tuning }));
    await expectVerified(result.dir);
    expect(i).toBe(6);
  });

  it('rides out 500s and 429s, and restarts stalled transfers', async () => {
    let i = 0;
    const p = await proxy(({ url }) => {
      if (!isModelDownload(url)) {
        return { kind: 'pass' };
      }
      i += 1;
      if (i === 1) {
        return { kind: 'status', status: 503 };
      }
      if (i === 2) {
        return { kind: 'status', status: 429, headers: { 'retry-after': '0' } };
      }
      return i <= 4 ? { kind: 'stall', afterBytes: 300_000 } : { kind: 'pass' };
    });
    const result = await pull(
      'modelhub/ppocr-rec',
      options(p.url, await freshCache(), { tuning: { ...single, stallMs } }),
    );
    await expectVerified(result.dir);
    expect(p.requests.filter((r) => r.action === 'stall').length).toBe(2);
  });

  it('re-downloads after a corrupted byte; a body that stays corrupt fails with INTEGRITY_MISMATCH and leaves nothing', async () => {
    let left = 1;
    const once = await proxy(({ url }) =>
      isModelDownload(url) && left-- > 0 ? { kind: 'corrupt', atByte: 5_000_000 } : { kind: 'pass' },
    );
    await expectVerified((await pull('modelhub/ppocr-rec', options(once.url, await freshCache()))).dir);
    const always = await proxy(({ url }) =>
      isModelDownload(url) ? { kind: 'corrupt', atByte: 7 } : { kind: 'pass' },
    );
    const cacheDir = await freshCache();
    const error = await pull('modelhub/ppocr-rec', options(always.url, cacheDir)).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'INTEGRITY_MISMATCH', exitCode: 3 });
    expect(await blobNames(cacheDir, always.url)).toEqual([]);
  });

  it.each([
    ['synchronous writes', false],
    ['writes behind the receive loop', true],
  ])(
    'fails with DISK_FULL when a slab write hits ENOSPC, removing the partial file (%s)',
    async (_name, writeBehind) => {
      const cacheDir = await freshCache();
      let written = 0;
      const error = await pull(
        'modelhub/ppocr-rec',
        options(h.registry.url, cacheDir, {
          tuning: {
            ...single,
            writeBehind,
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
      expect(written).toBeGreaterThan(3 << 20);
      expect(await blobNames(cacheDir, h.registry.url)).toEqual([]);
    },
  );

  it('resumes an interrupted single-stream download from its partial file', async () => {
    const p = await proxy(() => ({ kind: 'pass' }));
    const cacheDir = await freshCache();
    const controller = new AbortController();
    p.onBytes('model.onnx', 4 << 20, () => controller.abort(new Error('stopped by the test')));
    await expect(
      pull('modelhub/ppocr-rec', options(p.url, cacheDir, { signal: controller.signal })),
    ).rejects.toThrow('stopped by the test');
    const blobs = await blobNames(cacheDir, p.url);
    const host = new URL(p.url).host.replace(':', '_');
    const stateFile = blobs.find((b) => b.endsWith('.partial.json')) ?? '';
    const state = JSON.parse(
      await readFile(join(cacheDir, host, 'models--modelhub--ppocr-rec', 'blobs', stateFile), 'utf8'),
    ) as { done: [number, number][] };
    const kept = state.done.reduce((sum, [s, e]) => sum + (e - s), 0);
    expect(kept).toBeGreaterThan(0);
    const before = bytesServed(p, 'model.onnx');
    const events: string[] = [];
    const result = await pull(
      'modelhub/ppocr-rec',
      options(p.url, cacheDir, {
        onProgress: (e) => (e.type === 'resume' ? events.push(`${e.path}:${e.bytes}`) : 0),
      }),
    );
    await expectVerified(result.dir);
    expect(bytesServed(p, 'model.onnx') - before).toBeLessThanOrEqual(h.original.length - kept);
    // What was transferred, and what was kept, each counted once.
    expect(result.resumedBytes).toBe(kept);
    expect(result.downloadedBytes).toBe(h.original.length - kept);
    expect(events).toEqual([`model.onnx:${kept}`]);
    expect(await blobNames(cacheDir, p.url)).toEqual([sha256(h.original)]);
  });

  it('follows a redirect to another host itself, without sending the token there', async () => {
    const alice = await h.registry.createToken('alice', true);
    await publish(h.registry.url, alice, 'alice/socket-redirect', { 'data.txt': 'hello over a raw socket' });
    // "storage" answers on localhost (another origin) with the registry's bytes.
    const storage = await recordingFront(h.registry.url);
    const storageUrl = storage.url.replace('127.0.0.1', 'localhost');
    const front = await recordingFront(h.registry.url, (path, res) => {
      if (!path.includes('/resolve/')) {
        return false;
      }
      res.writeHead(302, { location: `${storageUrl}${path}`, 'content-length': '0' });
      res.end();
      return true;
    });
    try {
      const result = await pull('alice/socket-redirect', {
        endpoint: front.url,
        cacheDir: await freshCache(),
        env: {},
        token: alice,
        tuning: single,
      });
      expect(await readFile(join(result.dir, 'data.txt'), 'utf8')).toBe('hello over a raw socket');
      const resolved = front.seen.filter((s) => s.path.endsWith('/data.txt'));
      expect(resolved.length).toBe(1);
      expect(resolved[0]?.headers.connection).toBe('close');
      expect(resolved[0]?.headers.authorization).toBe(`Bearer ${alice}`);
      const stored = storage.seen.filter((s) => s.path.endsWith('/data.txt'));
      expect(stored.length).toBe(1);
      expect(stored[0]?.headers.connection).toBe('close');
      expect(storage.seen.every((s) => s.headers.authorization === undefined)).toBe(true);
    } finally {
      await storage.close();
      await front.close();
    }
  });
});
