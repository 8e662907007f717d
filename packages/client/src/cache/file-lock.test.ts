import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { acquireLock, isStale } from './file-lock.ts';

describe('acquireLock', () => {
  const dir = mkdtemp(join(tmpdir(), 'modelhub-lock-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('writes owner pid, host and a heartbeat, and removes the file on release', async () => {
    const path = join(await dir, 'a.lock');
    const lock = await acquireLock(path);
    const info = JSON.parse(await readFile(path, 'utf8')) as { pid: number; host: string; heartbeat: number };
    expect(info.pid).toBe(process.pid);
    expect(info.host).toBe(hostname());
    await lock.release();
    await expect(readFile(path)).rejects.toThrow();
  });

  it('makes a second taker wait until the first releases', async () => {
    const path = join(await dir, 'b.lock');
    const first = await acquireLock(path);
    const order: string[] = [];
    let reportWaiting: () => void = () => undefined;
    const waiting = new Promise<void>((resolve) => {
      reportWaiting = resolve;
    });
    const second = acquireLock(path, {
      onWait: (holder) => {
        order.push(`waiting for ${holder?.pid ?? '?'}`);
        reportWaiting();
      },
    }).then((l) => {
      order.push('second');
      return l;
    });
    await waiting;
    order.push('release');
    await first.release();
    await (await second).release();
    expect(order).toEqual([`waiting for ${process.pid}`, 'release', 'second']);
  });

  it('takes over a lock whose owner process died', async () => {
    const path = join(await dir, 'c.lock');
    const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
      encoding: 'utf8',
    });
    const deadPid = Number(child.stdout);
    const now = Date.now();
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid, host: hostname(), token: 'dead', startedAt: now, heartbeat: now }),
    );
    const lock = await acquireLock(path, { timeoutMs: 5_000 });
    const info = JSON.parse(await readFile(path, 'utf8')) as { pid: number };
    expect(info.pid).toBe(process.pid);
    await lock.release();
  });

  it('judges staleness by the owner being gone or the heartbeat being old', () => {
    const now = Date.now();
    const alive = { pid: process.pid, host: hostname(), token: 't', startedAt: now, heartbeat: now };
    expect(isStale(alive, 30_000, now)).toBe(false);
    expect(isStale({ ...alive, host: 'elsewhere', heartbeat: now - 60_000 }, 30_000, now)).toBe(true);
    expect(isStale({ ...alive, host: 'elsewhere', heartbeat: now - 1_000 }, 30_000, now)).toBe(false);
  });

  it('gives up with CONFLICT after its timeout', async () => {
    const path = join(await dir, 'd.lock');
    const held = await acquireLock(path);
    await expect(acquireLock(path, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'CONFLICT' });
    await held.release();
  });

  it('names the holder it waits for only when the lock file is a well-formed lock', async () => {
    const path = join(await dir, 'e.lock');
    const now = Date.now();
    const holder = { pid: process.pid, host: hostname(), token: 't', startedAt: now, heartbeat: now };
    const heldBy = async (content: unknown): Promise<unknown> => {
      await writeFile(path, JSON.stringify(content));
      const error = await acquireLock(path, { timeoutMs: 50 }).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'CONFLICT' });
      return (error as { details: { holder: unknown } }).details.holder;
    };
    expect(await heldBy(holder)).toEqual(holder);
    // Being written, or garbage: no holder to name (and, once old enough, taken over).
    expect(await heldBy({ ...holder, pid: 1.5 })).toBeUndefined();
    expect(await heldBy({ ...holder, host: 7 })).toBeUndefined();
    expect(await heldBy({ ...holder, heartbeat: undefined })).toBeUndefined();
    expect(await heldBy([holder])).toBeUndefined();
    await rm(path);
  });
});
