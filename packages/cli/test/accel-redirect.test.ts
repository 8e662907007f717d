import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRepo, uploadFiles } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { accelRedirectConfig, startNginx, type TestNginx } from '@modelhub/testing';

import { startRegistry, type RunningRegistry } from '@modelhub/registry';

// Debian's nginx in front of `hub serve --accel-redirect /_modelhub_blobs/`: the registry
// authorizes and names the blob, nginx sends the file. Every answer must look exactly like the
// registry's own (status, the headers clients read, bytes), for GET, HEAD and ranges.

const location = '/_modelhub_blobs/';

const compared = [
  'etag',
  'x-repo-commit',
  'x-linked-etag',
  'x-linked-size',
  'content-length',
  'content-range',
  'content-type',
  'accept-ranges',
  // Repo files run nothing on the registry's origin: the sandbox CSP and nosniff survive nginx.
  'content-security-policy',
  'x-content-type-options',
];

function headersOf(response: Response): Record<string, string | null> {
  return Object.fromEntries(compared.map((name) => [name, response.headers.get(name)]));
}

let dir: string;
let direct: RunningRegistry;
let accel: RunningRegistry;
let nginx: TestNginx;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelhub-accel-'));
  direct = await startRegistry({ dataDir: join(dir, 'data'), port: 0 });
  const token = await direct.registry.access.createToken('alice', 'write');
  await createRepo({ hubUrl: direct.url, accessToken: token, repo: { type: 'model', name: 'alice/m' } });
  await uploadFiles({
    hubUrl: direct.url,
    accessToken: token,
    repo: { type: 'model', name: 'alice/m' },
    useXet: false,
    files: [
      { path: 'model.bin', content: new Blob([randomBytes(3_000_000)]) },
      { path: 'config.json', content: new Blob(['{"a":1}']) },
      { path: 'empty.txt', content: new Blob([]) },
    ],
  });
  await direct.close();
  // The same data folder, now in X-Accel-Redirect mode behind nginx.
  accel = await startRegistry({ dataDir: join(dir, 'data'), port: 0, accelRedirect: location });
  nginx = await startNginx(
    accelRedirectConfig({ upstream: accel.url, blobsDir: join(dir, 'data', 'storage', 'blobs'), location }),
  );
}, 120_000);

afterAll(async () => {
  await nginx.stop();
  await accel.close();
  await rm(dir, { recursive: true, force: true });
});

describe('X-Accel-Redirect behind nginx', () => {
  it('answers GET, HEAD and ranges exactly as the registry itself does', async () => {
    // The registry's own answers: the same folder without X-Accel, on another port.
    await accel.close();
    const own = await startRegistry({ dataDir: join(dir, 'data'), port: 0 });
    const expected: {
      url: string;
      init: RequestInit;
      status: number;
      headers: Record<string, string | null>;
      body: Buffer;
    }[] = [];
    const cases: [string, RequestInit][] = [];
    for (const path of ['model.bin', 'config.json', 'empty.txt']) {
      for (const init of [
        { method: 'GET' },
        { method: 'HEAD' },
        { method: 'GET', headers: { range: 'bytes=0-0' } },
        { method: 'GET', headers: { range: 'bytes=10-1000' } },
        { method: 'GET', headers: { range: 'bytes=-5' } },
        { method: 'GET', headers: { range: 'bytes=999999999-' } },
      ]) {
        cases.push([`/alice/m/resolve/main/${path}`, init]);
      }
    }
    try {
      for (const [url, init] of cases) {
        const response = await fetch(`${own.url}${url}`, init);
        expected.push({
          url,
          init,
          status: response.status,
          headers: headersOf(response),
          body: Buffer.from(await response.arrayBuffer()),
        });
      }
    } finally {
      await own.close();
    }
    accel = await startRegistry({
      dataDir: join(dir, 'data'),
      port: Number(new URL(accel.url).port),
      accelRedirect: location,
    });
    for (const want of expected) {
      const response = await fetch(`${nginx.url}${want.url}`, want.init);
      const body = Buffer.from(await response.arrayBuffer());
      const label = `${want.init.method ?? 'GET'} ${want.url} ${JSON.stringify(want.init.headers ?? {})}`;
      expect({ label, status: response.status }).toEqual({ label, status: want.status });
      if (want.status < 300) {
        expect({ label, headers: headersOf(response) }).toEqual({ label, headers: want.headers });
        expect(body.equals(want.body), label).toBe(true);
      }
    }
    // The internal location cannot be reached from outside.
    expect((await fetch(`${nginx.url}${location}00/00/x`)).status).toBe(404);
  });
});
