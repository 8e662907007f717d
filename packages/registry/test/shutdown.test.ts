import { randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { startRegistry } from '../src/index.ts';

describe('closing a registry', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('cuts a stalled download after the grace period instead of hanging, and frees the port', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelhub-shutdown-'));
    dirs.push(dir);
    const server = await startRegistry({ dataDir: dir, port: 0, shutdownGraceMs: 200 });
    const repo = await server.registry.repos.createAs('s', 'model', 's', 'big', false);
    await server.registry.commits.commitAs('s', repo, 'main', { summary: 'big', description: '' }, [
      { kind: 'file', path: 'big.dat', content: randomBytes(32 * 1024 * 1024) },
    ]);
    // A client that reads the headers and then nothing: the server's writes back up.
    const stalled = await new Promise<{ destroy(): void }>((ok, fail) => {
      const req = request(`${server.url}/s/big/resolve/main/big.dat`, (res) => {
        res.pause();
        ok(res);
      });
      req.on('error', fail);
      req.end();
    });
    await server.close();
    stalled.destroy();
    await expect(fetch(`${server.url}/api/models`)).rejects.toThrow();
  });

  it('refuses a second server on the same data dir while the first runs, not after', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelhub-lock-'));
    dirs.push(dir);
    const first = await startRegistry({ dataDir: dir, port: 0 });
    await expect(startRegistry({ dataDir: dir, port: 0 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await first.close();
    const second = await startRegistry({ dataDir: dir, port: 0 });
    await second.close();
  });
});
