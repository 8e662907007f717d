import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startHttpServer, type TestHttpServer } from '@modelhub/testing';

import { parseHead, socketGet, type BodyPlan, type SocketResponseHead } from './socket-get.ts';

const body = randomBytes((3 << 20) + 12345);
let server: TestHttpServer;
let base: string;
const seen: IncomingMessage['headers'][] = [];

beforeAll(async () => {
  server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.headers);
    const path = req.url ?? '/';
    if (path === '/whole') {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.end(body);
    } else if (path === '/chunked') {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.write('a');
      res.end('b');
    } else if (path === '/cut') {
      // Promises the whole body, sends 1 MiB, then closes.
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 1 << 20), () => res.socket?.end());
    } else if (path === '/silent') {
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 1000));
    } else {
      res.writeHead(404, { 'x-error-code': 'EntryNotFound', 'content-length': '2' });
      res.end('{}');
    }
  });
  base = server.url;
});

afterAll(() => server.close());

/** Runs socketGet, collecting the slabs; each slab is released on a later turn (as a disk would). */
async function get(
  path: string,
  plan: (head: SocketResponseHead) => BodyPlan | undefined,
  signal = new AbortController().signal,
): Promise<{ head: SocketResponseHead | undefined; bytes: Buffer; slabs: number; error: unknown }> {
  const parts: Buffer[] = [];
  let slabs = 0;
  let head: SocketResponseHead | undefined;
  let error: unknown;
  try {
    head = await socketGet({
      url: new URL(path, base),
      headers: { 'x-test': 'yes' },
      signal,
      slabBytes: 256 << 10,
      slabs: 2,
      sink: {
        head: plan,
        slab: (slab, length, release) => {
          slabs += 1;
          parts.push(Buffer.from(slab.subarray(0, length)));
          setImmediate(release);
        },
      },
    });
  } catch (caught) {
    error = caught;
  }
  return { head, bytes: Buffer.concat(parts), slabs, error };
}

describe('socketGet', () => {
  it('parses status lines and headers, joining repeats', () => {
    const head = parseHead('HTTP/1.1 206 Partial Content\r\nContent-Length: 10\r\nX-A: 1\r\nx-a: 2');
    expect(head).toEqual({ status: 206, headers: { 'content-length': '10', 'x-a': '1, 2' }, bodyLength: 10 });
    expect(parseHead('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked').bodyLength).toBeUndefined();
    expect(() => parseHead('SSH-2.0-OpenSSH')).toThrow(/status line/);
  });

  it('receives a body in order through a small slab pool that keeps running out', async () => {
    const result = await get('/whole', (h) => ({ skip: 0, keep: h.bodyLength ?? 0 }));
    expect(result.error).toBeUndefined();
    expect(result.head?.status).toBe(200);
    expect(result.bytes.equals(body)).toBe(true);
    expect(result.slabs).toBeGreaterThan(12);
    expect(seen.at(-1)?.['x-test']).toBe('yes');
    expect(seen.at(-1)?.connection).toBe('close');
  });

  it('skips and keeps the planned bytes only', async () => {
    const result = await get('/whole', () => ({ skip: 1_000_000, keep: 700_000 }));
    expect(result.bytes.equals(body.subarray(1_000_000, 1_700_000))).toBe(true);
  });

  it('reports framing it does not handle, and closes when the sink declines the body', async () => {
    const chunked = await get('/chunked', () => undefined);
    expect(chunked.head?.bodyLength).toBeUndefined();
    expect(chunked.bytes.length).toBe(0);
    const missing = await get('/missing', () => undefined);
    expect(missing.head).toMatchObject({ status: 404, headers: { 'x-error-code': 'EntryNotFound' } });
  });

  it('hands over what arrived, then fails with a retryable code when the connection closes early', async () => {
    const result = await get('/cut', (h) => ({ skip: 0, keep: h.bodyLength ?? 0 }));
    expect(result.error).toMatchObject({ code: 'UND_ERR_SOCKET' });
    expect(result.bytes.equals(body.subarray(0, 1 << 20))).toBe(true);
  });

  it('stops at once when aborted, keeping the bytes received so far', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    const result = await get(
      '/silent',
      (h) => {
        setImmediate(() => controller.abort(reason));
        return { skip: 0, keep: h.bodyLength ?? 0 };
      },
      controller.signal,
    );
    expect(result.error).toBe(reason);
    expect(body.subarray(0, result.bytes.length).equals(result.bytes)).toBe(true);
  });

  it('refuses header values that would split the request', async () => {
    await expect(
      socketGet({
        url: new URL('/whole', base),
        headers: { 'x-bad': 'a\r\nx-injected: 1' },
        signal: new AbortController().signal,
        sink: { head: () => undefined, slab: (_s, _l, release) => release() },
      }),
    ).rejects.toThrow(/invalid request header/);
  });
});
