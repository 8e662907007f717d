import { randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createNetServer, type AddressInfo } from 'node:net';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startHttpServer, type TestHttpServer } from '@modelhub/testing';

import { SocketPool, type PooledGetResult } from './socket-pool.ts';

// The keep-alive raw connections of the small-file path, against a real node:http server that
// counts connections and misbehaves on purpose.

const small = randomBytes(3000);
const medium = randomBytes(200_000);
let server: TestHttpServer;
let base: string;
/** The connection each request came on (index into `server.connections`) and its headers. */
const requests: { url: string; connection: number; headers: IncomingMessage['headers'] }[] = [];
/** Requests on a reused connection whose socket the server drops without answering (once each). */
const dropOnReuse = new Set<string>();

beforeAll(async () => {
  server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const connection = server.connections.indexOf(req.socket);
    const earlier = requests.filter((r) => r.connection === connection).length;
    requests.push({ url, connection, headers: req.headers });
    if (dropOnReuse.has(url) && earlier > 0) {
      dropOnReuse.delete(url);
      req.socket.destroy();
      return;
    }
    if (url === '/small' || url === '/drop-on-reuse') {
      res.writeHead(200, { 'content-length': String(small.length) });
      res.end(small);
    } else if (url === '/medium') {
      // The head first, then the body in pieces: the body is read across many reads.
      res.writeHead(200, { 'content-length': String(medium.length) });
      res.flushHeaders();
      for (let at = 0; at < medium.length; at += 7000) {
        res.write(medium.subarray(at, at + 7000));
      }
      res.end();
    } else if (url === '/empty') {
      res.writeHead(200, { 'content-length': '0' });
      res.end();
    } else if (url === '/big-head') {
      // A head larger than the first read buffer.
      res.writeHead(200, { 'content-length': String(small.length), 'x-padding': 'p'.repeat(40_000) });
      res.end(small);
    } else if (url === '/close') {
      res.writeHead(200, { 'content-length': String(small.length), connection: 'close' });
      res.end(small);
    } else if (url === '/redirect') {
      res.writeHead(302, { location: '/small', 'content-length': '0' });
      res.end();
    } else if (url === '/chunked') {
      res.writeHead(200, {});
      res.write(small.subarray(0, 10));
      res.end(small.subarray(10));
    } else if (url === '/cut') {
      res.writeHead(200, { 'content-length': String(medium.length) });
      res.write(medium.subarray(0, 50_000), () => req.socket.destroy());
    } else if (url === '/silent') {
      res.writeHead(200, { 'content-length': String(medium.length) });
      res.write(medium.subarray(0, 100));
    } else if (url === '/busy') {
      res.writeHead(503, { 'retry-after': '2', 'content-length': '2' });
      res.end('{}');
    } else {
      res.writeHead(404, { 'content-length': '2' });
      res.end('{}');
    }
  });
  base = server.url;
});

afterAll(() => server.close());

const pools: SocketPool[] = [];
afterEach(() => {
  for (const pool of pools.splice(0)) {
    pool.close();
  }
  requests.length = 0;
});

function pool(): SocketPool {
  const p = new SocketPool(base);
  pools.push(p);
  return p;
}

const get = (
  p: SocketPool,
  path: string,
  size: number,
  extra: { signal?: AbortSignal; stallMs?: number } = {},
): Promise<PooledGetResult> =>
  p.get({ url: new URL(path, base), headers: { 'x-test': 'yes' }, size, ...extra });

function bodyOf(result: PooledGetResult): Buffer {
  if (result.kind !== 'body') {
    throw new Error(`expected a body, got HTTP ${result.head.status}`);
  }
  return result.body;
}

describe('SocketPool', () => {
  it('carries one request after another on one kept-alive connection, each body whole', async () => {
    const p = pool();
    expect(bodyOf(await get(p, '/small', small.length)).equals(small)).toBe(true);
    expect(bodyOf(await get(p, '/medium', medium.length)).equals(medium)).toBe(true);
    expect(bodyOf(await get(p, '/empty', 0))).toHaveLength(0);
    expect(bodyOf(await get(p, '/big-head', small.length)).equals(small)).toBe(true);
    expect(new Set(requests.map((r) => r.connection)).size).toBe(1);
    expect(requests[0]?.headers['x-test']).toBe('yes');
  });

  it('opens a connection per request in flight and reuses them afterwards', async () => {
    const p = pool();
    const first = await Promise.all([1, 2, 3].map(() => get(p, '/medium', medium.length)));
    expect(first.every((r) => bodyOf(r).equals(medium))).toBe(true);
    const used = new Set(requests.map((r) => r.connection));
    expect(used.size).toBe(3);
    await Promise.all([1, 2, 3].map(() => get(p, '/small', small.length)));
    expect(new Set(requests.map((r) => r.connection))).toEqual(used);
  });

  it('hands back redirects, error statuses, chunked bodies and unexpected lengths, and drops that connection', async () => {
    const p = pool();
    const redirect = await get(p, '/redirect', small.length);
    expect(redirect).toMatchObject({ kind: 'other', head: { status: 302, headers: { location: '/small' } } });
    expect(await get(p, '/busy', 2)).toMatchObject({
      kind: 'other',
      head: { status: 503, headers: { 'retry-after': '2' } },
    });
    expect(await get(p, '/missing', 2)).toMatchObject({ kind: 'other', head: { status: 404 } });
    expect(await get(p, '/chunked', small.length)).toMatchObject({ kind: 'other', head: { status: 200 } });
    expect(await get(p, '/small', small.length + 1)).toMatchObject({ kind: 'other', head: { status: 200 } });
    // Not one of those connections carried a second request.
    expect(new Set(requests.map((r) => r.connection)).size).toBe(requests.length);
  });

  it('does not reuse a connection the server said it would close', async () => {
    // A bare server that says `connection: close` but leaves the socket open and counts requests.
    const perSocket: number[] = [];
    const bare = createNetServer((socket) => {
      const index = perSocket.push(0) - 1;
      socket.on('data', (data) => {
        perSocket[index] = (perSocket[index] ?? 0) + data.toString('latin1').split('\r\n\r\n').length - 1;
        socket.write(`HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok`);
      });
    });
    await new Promise<void>((resolve) => bare.listen(0, '127.0.0.1', resolve));
    const origin = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
    const p = new SocketPool(origin);
    try {
      for (let i = 0; i < 2; i += 1) {
        const result = await p.get({ url: new URL('/x', origin), headers: {}, size: 2 });
        expect(bodyOf(result).toString()).toBe('ok');
      }
      expect(perSocket).toEqual([1, 1]);
    } finally {
      p.close();
      await new Promise((resolve) => bare.close(resolve));
    }
  });

  it('replaces a kept-alive connection that the server dropped before answering, at no error', async () => {
    const p = pool();
    bodyOf(await get(p, '/small', small.length));
    dropOnReuse.add('/drop-on-reuse');
    expect(bodyOf(await get(p, '/drop-on-reuse', small.length)).equals(small)).toBe(true);
    expect(requests.map((r) => r.url)).toEqual(['/small', '/drop-on-reuse', '/drop-on-reuse']);
    expect(requests[1]?.connection).toBe(requests[0]?.connection);
    expect(requests[2]?.connection).not.toBe(requests[0]?.connection);
  });

  it('fails with a retryable socket error when the body is cut, and does not reuse that connection', async () => {
    const p = pool();
    await expect(get(p, '/cut', medium.length)).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
    bodyOf(await get(p, '/small', small.length));
    expect(requests[1]?.connection).not.toBe(requests[0]?.connection);
  });

  it('fails with a retryable timeout when the body stalls', async () => {
    const p = pool();
    await expect(get(p, '/silent', medium.length, { stallMs: 100 })).rejects.toMatchObject({
      code: 'UND_ERR_BODY_TIMEOUT',
    });
  });

  it('stops at once when aborted, with the caller’s reason', async () => {
    const p = pool();
    const controller = new AbortController();
    const pending = get(p, '/silent', medium.length, { signal: controller.signal });
    controller.abort(new Error('stopped by the test'));
    await expect(pending).rejects.toThrow('stopped by the test');
    await expect(
      get(p, '/small', small.length, { signal: AbortSignal.abort(new Error('already')) }),
    ).rejects.toThrow('already');
  });

  it('serves only its own origin, and nothing once bypassed or closed', () => {
    const p = pool();
    expect(p.accepts(`${base}/small`)).toBe(true);
    expect(p.accepts('http://127.0.0.1:1/small')).toBe(false);
    expect(p.accepts(`${base.replace('http:', 'https:')}/small`)).toBe(false);
    p.bypass();
    expect(p.accepts(`${base}/small`)).toBe(false);
    const q = pool();
    q.close();
    expect(q.accepts(`${base}/small`)).toBe(false);
    expect(() => new SocketPool('https://example.org')).toThrow(TypeError);
  });
});
