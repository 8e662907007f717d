import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { startHttpServer, type TestHttpServer } from '@modelhub/testing';

import { NodeAgents, nodeRequest } from './node-request.ts';
import { isRetryableNetworkError } from './retry-policy.ts';

const long = Buffer.alloc(512 * 1024, 7);
let server: TestHttpServer;
let base: string;

beforeAll(async () => {
  server = await startHttpServer((req, res) => {
    const path = req.url ?? '/';
    if (path === '/json') {
      res.writeHead(200, { 'content-type': 'application/json', 'set-cookie': ['a=1', 'b=2'] });
      res.end(JSON.stringify({ ok: true, method: req.method }));
    } else if (path === '/echo') {
      let text = '';
      req.setEncoding('utf8').on('data', (d: string) => (text += d));
      req.on('end', () => res.end(`${req.headers['content-length'] ?? ''}:${text}`));
    } else if (path === '/long') {
      res.writeHead(200, { 'content-length': String(long.length) });
      res.end(long);
    } else if (path === '/silent-head') {
      // Never answers.
    } else if (path === '/stalled-body') {
      res.writeHead(200, { 'content-length': '100' });
      res.write('x'.repeat(10));
    } else if (path === '/cut') {
      res.writeHead(200, { 'content-length': '100000' });
      res.write('x'.repeat(1000), () => res.socket?.destroy());
    } else {
      res.writeHead(404, { 'content-length': '2' });
      res.end('{}');
    }
  });
  base = server.url;
});

afterAll(() => server.close());

const get = (agents: NodeAgents, path: string, extra: Partial<Parameters<typeof nodeRequest>[1]> = {}) =>
  nodeRequest(agents, {
    url: `${base}${path}`,
    method: 'GET',
    headers: {},
    headersTimeoutMs: 5_000,
    ...extra,
  });

/** Agents made by a test, destroyed after it. */
const made: NodeAgents[] = [];
function track(agents: NodeAgents): NodeAgents {
  made.push(agents);
  return agents;
}
afterEach(() => {
  for (const agents of made.splice(0)) {
    agents.destroy();
  }
});

describe('nodeRequest', () => {
  it('reads JSON, text and bytes, and keeps headers as Node gives them', async () => {
    const agents = track(new NodeAgents(4));
    const res = await get(agents, '/json');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toEqual(['a=1', 'b=2']);
    expect(await res.body.json()).toEqual({ ok: true, method: 'GET' });
    expect(await (await get(agents, '/missing')).body.text()).toBe('{}');
    const bytes = new Uint8Array(await (await get(agents, '/long')).body.arrayBuffer());
    expect(bytes.byteLength).toBe(long.length);
    expect(bytes[long.length - 1]).toBe(7);
  });

  it('sends a string body with its length', async () => {
    const agents = track(new NodeAgents(4));
    const res = await get(agents, '/echo', { method: 'POST', body: 'héllo' });
    expect(await res.body.text()).toBe('6:héllo');
  });

  it('reuses the connection after a short body is dumped, and closes it after a long one', async () => {
    const agents = track(new NodeAgents(1));
    const before = server.connections.length;
    await (await get(agents, '/json')).body.dump();
    await (await get(agents, '/missing')).body.dump();
    expect(server.connections.length - before).toBe(1);
    const res = await get(agents, '/long');
    await res.body.dump();
    await (await get(agents, '/json')).body.dump();
    expect(server.connections.length - before).toBe(2);
  });

  it('fails with a retryable timeout when no head comes, or when the body stalls', async () => {
    const agents = track(new NodeAgents(4));
    const head = await get(agents, '/silent-head', { headersTimeoutMs: 100 }).catch((e: unknown) => e);
    expect(head).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
    expect(isRetryableNetworkError(head)).toBe(true);
    const res = await get(agents, '/stalled-body', { bodyTimeoutMs: 100 });
    const body = await res.body.text().catch((e: unknown) => e);
    expect(body).toMatchObject({ code: 'UND_ERR_BODY_TIMEOUT' });
    expect(isRetryableNetworkError(body)).toBe(true);
  });

  it('rejects a body cut short with a retryable error', async () => {
    const agents = track(new NodeAgents(4));
    const res = await get(agents, '/cut');
    const error = await res.body.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect(isRetryableNetworkError(error)).toBe(true);
  });

  it('rejects with the abort reason', async () => {
    const agents = track(new NodeAgents(4));
    const controller = new AbortController();
    const pending = get(agents, '/silent-head', { signal: controller.signal });
    const reason = new Error('stop');
    controller.abort(reason);
    await expect(pending).rejects.toBe(reason);
  });
});
