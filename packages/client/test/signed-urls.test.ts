import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isModelhubError, sha256 } from '@modelhub/core';
import { startS3, startTestRegistry, type TestRegistry, type TestS3 } from '@modelhub/testing';

import { pull, pushFolder, type PullOptions } from '../src/index.ts';
import { startFaultProxy, type FaultAction, type FaultProxy } from './helpers/fault-proxy.ts';
import { publish } from './helpers/publish.ts';

// A registry whose blobs live in S3 (@20minutes/s3rver, which checks SigV4 signatures and their
// expiry) answers /resolve/ with a 302 to a presigned GET that lives 3 s (and hands out upload
// URLs that live as long). The presigned URLs
// name a fault proxy in front of the store (the store's public endpoint), so the tests cut
// transfers and watch what the client asks the storage, while the signatures stay the store's.

const TTL_SECONDS = 3;
const size = 6 * 1024 * 1024 + 123;
const weights = randomBytes(size);
const repo = 'alice/signed';

let s3: TestS3;
let proxy: FaultProxy;
let registry: TestRegistry;
let token: string;
let scratch: string;
let plan: (req: { method: string; url: string; index: number }) => FaultAction = () => ({ kind: 'pass' });
const savedEnv = { ...process.env };

beforeAll(async () => {
  s3 = await startS3();
  // The registry signs with the standard AWS variables.
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  });
  proxy = await startFaultProxy(s3.endpoint, (req) => plan(req), { preserveHost: true });
  registry = await startTestRegistry({
    backends: { blobs: `s3://${s3.bucket}/hub`, s3Endpoint: s3.endpoint, s3PublicEndpoint: proxy.url },
    registry: { downloadUrlTtl: TTL_SECONDS, uploadUrlTtl: TTL_SECONDS },
  });
  token = await registry.createToken('alice', true);
  await publish(registry.url, token, repo, { 'model.bin': weights, 'config.json': '{}' });
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-signed-'));
});

afterAll(async () => {
  await registry.close();
  await proxy.close();
  await s3.stop();
  await rm(scratch, { recursive: true, force: true });
  for (const key of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_REGION']) {
    if (savedEnv[key] === undefined) {
      delete process.env[key];
    } else {
      process.env[key] = savedEnv[key];
    }
  }
});

const isBlob = (url: string): boolean => url.includes('/hub/blobs/');

/** The moment a presigned URL stops working, from its own X-Amz-Date and X-Amz-Expires. */
function expiryOf(url: string): number {
  const query = new URL(url, 'http://x').searchParams;
  const stamp = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(query.get('X-Amz-Date') ?? '');
  if (stamp === null) {
    throw new Error(`not a presigned URL: ${url}`);
  }
  const [, y, mo, d, h, mi, s] = stamp.map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(y, mo - 1, d, h, mi, s) + Number(query.get('X-Amz-Expires')) * 1000;
}

/** Resolves once the wall clock is past `deadline` (the store compares against the same clock). */
function after(deadline: number): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      const left = deadline - Date.now();
      if (left < 0) {
        resolve();
      } else {
        setTimeout(check, left + 50);
      }
    };
    check();
  });
}

async function pullWith(tuning: PullOptions['tuning']): Promise<{ resolves: string[]; dir: string }> {
  const resolves: string[] = [];
  const result = await pull(repo, {
    endpoint: registry.url,
    token,
    cacheDir: await mkdtemp(join(scratch, 'cache-')),
    env: {},
    include: ['model.bin'],
    tuning: { stallMs: 20_000, retry: { retries: 3, baseDelayMs: 2, maxDelayMs: 20 }, ...tuning },
    onRequest: ({ url }) => {
      if (url.includes('/resolve/')) {
        resolves.push(url);
      }
    },
  });
  expect(sha256(await readFile(join(result.dir, 'model.bin')))).toBe(sha256(weights));
  return { resolves, dir: result.dir };
}

function storageRequests(from: number): FaultProxy['requests'] {
  return proxy.requests.slice(from).filter((r) => isBlob(r.url));
}

const rangeStart = (range: string | undefined): number => Number(/^bytes=(\d+)-/.exec(range ?? '')?.[1] ?? 0);

describe.each([
  ['undici', { socketMinBytes: Number.POSITIVE_INFINITY }],
  ['the raw socket', { socketMinBytes: 1 }],
])('presigned downloads (%s)', (_, transport) => {
  it('resumes a cut transfer with Range on the signed URL, without the token and without asking the registry again', async () => {
    const from = proxy.requests.length;
    let cuts = 0;
    plan = ({ url }) =>
      isBlob(url) && cuts++ === 0 ? { kind: 'cut', afterBytes: 1 << 20 } : { kind: 'pass' };
    const { resolves } = await pullWith(transport);
    const seen = storageRequests(from);
    expect(seen.map((r) => r.status)).toEqual([200, 206]);
    expect(rangeStart(seen[1]?.range)).toBeGreaterThan(0);
    expect(resolves).toHaveLength(1);
    expect(seen.every((r) => r.authorization === undefined)).toBe(true);
  });

  it('an expired signed URL: the client resolves again and resumes where it stopped (sha256 checked)', async () => {
    const from = proxy.requests.length;
    let cuts = 0;
    plan = ({ url }) =>
      isBlob(url) && cuts++ === 0
        ? { kind: 'cut', afterBytes: 1 << 20, until: after(expiryOf(url)) }
        : { kind: 'pass' };
    const { resolves } = await pullWith(transport);
    const seen = storageRequests(from);
    // The cut transfer, the remembered URL refused as expired, the fresh URL from the same byte.
    expect(seen.map((r) => r.status)).toEqual([200, 403, 206]);
    expect(rangeStart(seen[1]?.range)).toBeGreaterThan(0);
    expect(seen[2]?.range).toBe(seen[1]?.range);
    expect(new URL(seen[2]?.url ?? '', 'http://x').searchParams.get('X-Amz-Signature')).not.toBe(
      new URL(seen[1]?.url ?? '', 'http://x').searchParams.get('X-Amz-Signature'),
    );
    expect(resolves).toHaveLength(2);
    // Nothing was fetched twice: the bytes before the cut were kept.
    const served = seen.reduce((n, r) => n + r.bytes, 0);
    expect(served).toBeLessThanOrEqual(size + (1 << 20));
  });
});

describe('presigned downloads in parallel ranges', () => {
  it('every range after the first ones goes to the remembered signed URL', async () => {
    const from = proxy.requests.length;
    plan = () => ({ kind: 'pass' });
    const { resolves } = await pullWith({
      parallelThreshold: 1 << 20,
      chunkSize: 1 << 20,
      connectionsPerFile: 2,
      stealMinBytes: Number.POSITIVE_INFINITY,
    });
    const ranges = storageRequests(from);
    expect(ranges).toHaveLength(7);
    expect(resolves.length).toBeLessThanOrEqual(2);
  });

  it('a fresh signed URL the storage refuses is an error that names the storage, not a loop', async () => {
    const from = proxy.requests.length;
    plan = ({ url }) => (isBlob(url) ? { kind: 'status', status: 403 } : { kind: 'pass' });
    const error = await pullWith({ socketMinBytes: Number.POSITIVE_INFINITY }).catch((e: unknown) => e);
    expect(isModelhubError(error) && error.code).toBe('HTTP_ERROR');
    expect(String((error as Error).message)).toContain(`storage at ${new URL(proxy.url).host}`);
    expect(storageRequests(from)).toHaveLength(1);
  });
});

describe('presigned uploads', () => {
  it('an upload URL that expired before its PUT arrived: the push asks the batch again and uploads', async () => {
    const dir = join(scratch, 'push-expired');
    await mkdir(dir, { recursive: true });
    const bytes = randomBytes(700_000);
    // LFS by its extension, whatever the random bytes hold.
    await writeFile(join(dir, 'weights.bin'), bytes);
    const from = proxy.requests.length;
    let held = 0;
    plan = ({ method, url }) =>
      method === 'PUT' && url.includes('/hub/staging/') && held++ === 0
        ? { kind: 'hold', until: after(expiryOf(url)) }
        : { kind: 'pass' };
    const batches: string[] = [];
    const result = await pushFolder(dir, 'alice/pushed', {
      endpoint: registry.url,
      token,
      env: {},
      retry: { retries: 3, baseDelayMs: 2, maxDelayMs: 20 },
      onRequest: ({ url }) => {
        if (url.endsWith('/info/lfs/objects/batch')) {
          batches.push(url);
        }
      },
    });
    const puts = proxy.requests.slice(from).filter((r) => r.method === 'PUT');
    expect(puts.map((r) => r.status)).toEqual([403, 200]);
    expect(batches).toHaveLength(2);
    const back = await fetch(`${registry.url}/alice/pushed/resolve/${result.commit}/weights.bin`);
    expect(sha256(Buffer.from(await back.arrayBuffer()))).toBe(sha256(bytes));
  });
});
