import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname } from 'node:path';

import { ModelhubError, documentSchema } from '@modelhub/core';

import { delay } from '../http/retry-policy.ts';
import { isDiskFull } from './disk-full.ts';

/** What a lock file holds: who owns it, and when it last said it is alive. */
export interface LockInfo {
  pid: number;
  host: string;
  token: string;
  startedAt: number;
  heartbeat: number;
}

const lockDocument = documentSchema((check, value): LockInfo => {
  const doc = check.object(value, []);
  return {
    pid: check.integer(doc['pid'], ['pid']),
    host: check.string(doc['host'], ['host']),
    token: check.string(doc['token'], ['token']),
    startedAt: check.number(doc['startedAt'], ['startedAt']),
    heartbeat: check.number(doc['heartbeat'], ['heartbeat']),
  };
});

export interface LockOptions {
  /** A lock whose heartbeat is older than this is taken over (default 30 s). */
  readonly staleMs?: number;
  /** How often the owner refreshes its heartbeat (default staleMs / 6). */
  readonly heartbeatMs?: number;
  /** Give up waiting after this long (default 30 min). */
  readonly timeoutMs?: number;
  /** Told who holds the lock while we wait (once, then every ~10 s). */
  readonly onWait?: (holder: LockInfo | undefined) => void;
  readonly signal?: AbortSignal | undefined;
}

/** A held lock; `release()` is idempotent. */
export interface HeldLock {
  readonly path: string;
  release(): Promise<void>;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as { code?: string }).code === 'EPERM';
  }
}

async function readLock(path: string): Promise<LockInfo | undefined> {
  try {
    const parsed = lockDocument.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** A lock is stale when its owner died (same host) or its heartbeat stopped. */
export function isStale(info: LockInfo | undefined, staleMs: number, now = Date.now()): boolean {
  if (info === undefined) {
    return false;
  }
  if (info.host === hostname() && !processAlive(info.pid)) {
    return true;
  }
  return now - info.heartbeat > staleMs;
}

/**
 * A cross-process lock file holding `{pid, host, token, startedAt, heartbeat}`. It is created with
 * O_EXCL; the owner refreshes the heartbeat; a waiter takes over a lock whose owner process is gone
 * (same host) or whose heartbeat is older than `staleMs` (any host, e.g. NFS). Takeover renames the
 * stale file aside and checks it renamed the same lock it judged stale, so two waiters cannot both
 * win. Correctness of the cache never depends on the lock (blobs are verified and renamed
 * atomically); the lock only stops processes from downloading the same bytes twice.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<HeldLock> {
  const staleMs = options.staleMs ?? 30_000;
  const heartbeatMs = options.heartbeatMs ?? Math.max(50, Math.floor(staleMs / 6));
  const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
  await mkdir(dirname(path), { recursive: true });
  const token = randomBytes(8).toString('hex');
  const startedAt = Date.now();
  const body = (): string =>
    JSON.stringify({ pid: process.pid, host: hostname(), token, startedAt, heartbeat: Date.now() });
  let waitDelay = 20;
  let lastReported = 0;
  for (;;) {
    try {
      await writeFile(path, body(), { flag: 'wx' });
      break;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') {
        if (isDiskFull(error)) {
          // Created, but no room for its content: an empty lock left behind would make every
          // later pull wait staleMs for it to age out.
          await unlink(path).catch(() => undefined);
        }
        throw error;
      }
    }
    const holder = await readLock(path);
    if (holder === undefined) {
      // Being written right now, or garbage left by a crash between create and write.
      const age = await fileAge(path);
      if (age !== undefined && age > staleMs) {
        await takeOver(path, undefined);
      }
    } else if (isStale(holder, staleMs)) {
      await takeOver(path, holder.token);
      continue;
    }
    if (Date.now() > deadline) {
      throw new ModelhubError('CONFLICT', `Timed out waiting for the cache lock ${path}.`, {
        hint: 'Another hub process holds it; if none is running, delete the lock file.',
        details: { path, holder },
      });
    }
    if (Date.now() - lastReported > 10_000) {
      lastReported = Date.now();
      options.onWait?.(holder);
    }
    await delay(waitDelay, options.signal);
    waitDelay = Math.min(250, Math.round(waitDelay * 1.5));
  }
  let released = false;
  const timer = setInterval(() => {
    void writeFile(path, body()).catch(() => undefined);
  }, heartbeatMs);
  timer.unref();
  return {
    path,
    async release(): Promise<void> {
      if (released) {
        return;
      }
      released = true;
      clearInterval(timer);
      const current = await readLock(path);
      if (current?.token === token) {
        await unlink(path).catch(() => undefined);
      }
    },
  };
}

async function fileAge(path: string): Promise<number | undefined> {
  try {
    return Date.now() - (await stat(path)).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Moves a stale lock aside; restores it if what moved was not the lock we judged stale. */
async function takeOver(path: string, staleToken: string | undefined): Promise<void> {
  const aside = `${path}.${randomBytes(4).toString('hex')}.stale`;
  try {
    await rename(path, aside);
  } catch {
    return; // Someone else took it over first.
  }
  const moved = await readLock(aside);
  if (moved !== undefined && moved.token !== staleToken) {
    // We moved a fresh lock that replaced the stale one in between: put it back if the slot is free.
    await link(aside, path).catch(() => undefined);
  }
  await unlink(aside).catch(() => undefined);
}
