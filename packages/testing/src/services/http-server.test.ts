import { request } from 'node:http';

import { describe, expect, it } from 'vitest';

import { startHttpServer } from './http-server.ts';

describe('startHttpServer', () => {
  it('serves on 127.0.0.1 and closes even with a request left unanswered', async () => {
    const server = await startHttpServer((req, res) => {
      if (req.url === '/hello') {
        res.end('hello');
      }
      // Any other path is never answered: close() must not wait for it.
    });
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    expect(await (await fetch(`${server.url}/hello`)).text()).toBe('hello');
    expect(server.connections).toHaveLength(1);
    const pending = new Promise<string>((resolve) => {
      request(`${server.url}/never`)
        .on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'))
        .end();
    });
    await new Promise<void>((resolve) => server.server.once('request', () => resolve()));
    await server.close();
    expect(await pending).toBe('ECONNRESET');
    expect(server.server.listening).toBe(false);
  });
});
