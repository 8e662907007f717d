import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { afterAll, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { openRegistry } from '../src/index.ts';
import { headOf, lfsBatch, postCommit } from './helpers.ts';

const cliMain = resolve(import.meta.dirname, '../../cli/src/main.ts');

/** Starts `hub serve` as a real child process and resolves with its URL once it listens. */
async function serve(dataDir: string): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(
    process.execPath,
    ['--conditions=@modelhub/source', cliMain, 'serve', '--data', dataDir, '--port', '0'],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  const url = await new Promise<string>((ok, fail) => {
    child.once('exit', (code) => {
      fail(new Error(`hub serve exited early with ${code}`));
    });
    lines.on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)$/.exec(line);
      if (match?.[1] !== undefined) {
        ok(match[1]);
      }
    });
  });
  return { child, url };
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      ok({ code: child.exitCode, signal: child.signalCode });
      return;
    }
    child.once('exit', (code, signal) => {
      ok({ code, signal });
    });
  });
}

/** Resolves once `check` is true, re-checking whenever the event loop turns. */
async function until(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) {
    await new Promise((ok) => setImmediate(ok));
  }
}

describe('a server killed mid-upload', () => {
  const dirs: string[] = [];
  afterAll(async () => {
    for (const dir of dirs) {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('restarts on the same data dir with consistent state', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelhub-crash-'));
    dirs.push(dir);
    const data = join(dir, 'data');
    const setup = await openRegistry(data);
    const token = await setup.access.createToken('crash', 'write');
    await setup.close();

    const first = await serve(data);
    try {
      const created = await fetch(`${first.url}/api/repos/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name: 'victim', organization: 'crash', type: 'model' }),
      });
      expect(created.status).toBe(200);
      const committed = await postCommit(first.url, 'crash/victim', token, [
        { key: 'header', value: { summary: 'before the crash' } },
        { key: 'file', value: { path: 'kept.txt', content: Buffer.from('still here').toString('base64') } },
      ]);
      expect(committed.status).toBe(200);
      const head = await headOf(first.url, 'crash/victim');

      const big = randomBytes(4 * 1024 * 1024);
      const oid = sha256(big);
      const batch = await lfsBatch(first.url, 'crash/victim', token, [{ oid, size: big.byteLength }]);
      const href = batch.objects[0]?.actions?.upload.href ?? '';
      expect(href).not.toBe('');

      // Send the first MiB and hold the request open: the server is now mid-PUT.
      let feed: ReadableStreamDefaultController<Uint8Array> | undefined;
      const body = new ReadableStream<Uint8Array>({
        start(controller) {
          feed = controller;
          controller.enqueue(big.subarray(0, 1024 * 1024));
        },
      });
      const upload = fetch(href, { method: 'PUT', body, duplex: 'half' }).catch((error: unknown) => error);
      const tmp = join(data, 'storage', 'tmp');
      await until(async () => {
        const names = await readdir(tmp);
        const sizes = await Promise.all(names.map(async (n) => (await stat(join(tmp, n))).size));
        return sizes.some((s) => s > 0);
      });
      first.child.kill('SIGKILL');
      expect((await exited(first.child)).signal).toBe('SIGKILL');
      feed?.error(new Error('server gone'));
      await upload;
      expect((await readdir(tmp)).length).toBeGreaterThan(0);

      const second = await serve(data);
      try {
        expect(await readdir(tmp)).toEqual([]);
        expect(await headOf(second.url, 'crash/victim')).toBe(head);
        const kept = await fetch(`${second.url}/crash/victim/resolve/main/kept.txt`);
        expect(await kept.text()).toBe('still here');
        const missing = await fetch(`${second.url}/crash/victim/resolve/main/big.bin`);
        expect(missing.headers.get('x-error-code')).toBe('EntryNotFound');

        const retry = await lfsBatch(second.url, 'crash/victim', token, [{ oid, size: big.byteLength }]);
        const again = retry.objects[0]?.actions?.upload.href ?? '';
        expect(again).not.toBe('');
        expect((await fetch(again, { method: 'PUT', body: big })).status).toBe(200);
        const done = await postCommit(second.url, 'crash/victim', token, [
          { key: 'header', value: { summary: 'after the crash', parentCommit: head } },
          { key: 'lfsFile', value: { path: 'big.bin', algo: 'sha256', oid, size: big.byteLength } },
        ]);
        expect(done.status).toBe(200);
        const served = await fetch(`${second.url}/crash/victim/resolve/main/big.bin`);
        expect(Buffer.from(await served.arrayBuffer()).equals(big)).toBe(true);
      } finally {
        second.child.kill('SIGTERM');
        expect(await exited(second.child)).toEqual({ code: 0, signal: null });
      }
    } finally {
      if (first.child.exitCode === null && first.child.signalCode === null) {
        first.child.kill('SIGKILL');
      }
    }
  });
});
