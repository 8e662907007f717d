import { createHash, randomBytes, type Hash } from 'node:crypto';
import { closeSync, openSync, renameSync, writevSync } from 'node:fs';
import { unlink } from 'node:fs/promises';

import { ModelhubError, createGitBlobHash, isModelhubError } from '@modelhub/core';

import { downloadGaveUp, errorFromResponse } from '../http/http-errors.ts';
import type { HubHttp } from '../http/hub-http.ts';
import {
  backoffDelay,
  delay,
  isRetryableNetworkError,
  isRetryableStatus,
  RetryableStatus,
} from '../http/retry-policy.ts';
import type { BlobSpec, WriteFault } from './download-blob.ts';
import type { Limiter } from './limiter.ts';
import type { SocketPool } from './socket-pool.ts';

/** Files up to this size are received into memory and written once (default of `smallFileThreshold`). */
export const defaultSmallFileThreshold = 4 << 20;

export interface DownloadSmallOptions {
  readonly http: HubHttp;
  readonly url: string;
  readonly spec: BlobSpec;
  /** Where the verified blob ends up (`blobs/<id>`); nothing else is left next to it. */
  readonly target: string;
  readonly limiter: Limiter;
  /** Keep-alive raw connections tried first for plain-http URLs on the registry's origin. */
  readonly sockets?: SocketPool | undefined;
  /** A response that delivers no byte for this long is aborted and retried (default 30 s). */
  readonly stallMs?: number | undefined;
  readonly writeFault?: WriteFault | undefined;
  readonly signal?: AbortSignal | undefined;
  readonly context?: Readonly<Record<string, unknown>> | undefined;
}

function hashFor(spec: BlobSpec): Hash {
  return spec.algo === 'sha256' ? createHash('sha256') : createGitBlobHash(spec.size);
}

// Temp names: a random per-process prefix and a counter (8 hex digits, the form `hub gc` knows),
// instead of fresh random bytes for every file.
const tempPrefix = randomBytes(2).readUInt16BE(0) << 16;
let tempCounter = 0;

function tempName(target: string): string {
  tempCounter = (tempCounter + 1) & 0xffff;
  return `${target}.${((tempPrefix | tempCounter) >>> 0).toString(16).padStart(8, '0')}.incomplete`;
}

/**
 * Writes `chunks` to a new file (exclusive create) with vectored writes, synchronously: a file of
 * at most a few MiB goes to the page cache in one call, while the asynchronous calls cost a
 * thread-pool round trip each (open, write, close, rename: ~1,200 for 300 files) and 8-15% of
 * a fresh `hub pull`'s CPU. Sockets keep receiving into the kernel's buffers meanwhile.
 */
function writeChunks(path: string, chunks: readonly Buffer[]): void {
  const fd = openSync(path, 'wx');
  try {
    let pending = chunks;
    while (pending.length > 0) {
      let bytesWritten = writevSync(fd, pending);
      // A short write (rare): drop what was written and go on with the rest.
      const rest: Buffer[] = [];
      for (const chunk of pending) {
        if (bytesWritten >= chunk.byteLength) {
          bytesWritten -= chunk.byteLength;
        } else {
          rest.push(chunk.subarray(bytesWritten));
          bytesWritten = 0;
        }
      }
      pending = rest;
    }
  } finally {
    closeSync(fd);
  }
}

function describe(options: DownloadSmallOptions): string {
  const path = options.context?.['path'];
  return typeof path === 'string' ? path : options.spec.id;
}

/**
 * Downloads a small blob the cheap way: one GET whose body lands in a buffer of the announced
 * size, hashed in memory, then written once to a temp file (`<id>.<8 hex>.incomplete`, which
 * `hub gc` knows) and renamed into `blobs/`. No partial file, resume state, or per-chunk write:
 * an interrupted small file is simply fetched again. Transport errors, stalls, truncated bodies,
 * 408/429/5xx (with `Retry-After`) are retried with backoff and jitter; bytes that do not match the
 * published hash throw INTEGRITY_MISMATCH and leave nothing behind. Returns the bytes received.
 * The caller holds the lock that makes one process fetch each blob.
 */
export async function downloadSmallBlob(options: DownloadSmallOptions): Promise<number> {
  const { spec } = options;
  const { chunks, actual, release } = await fetchWithRetry(options);
  try {
    if (actual !== spec.id) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `Downloaded bytes do not match the published ${spec.algo} of ${describe(options)}.`,
        {
          hint: 'The registry, a proxy or the disk corrupted the data; the bytes were deleted. Retry the pull.',
          details: { ...options.context, expected: spec.id, actual, algo: spec.algo, resumedBytes: 0 },
        },
      );
    }
    await writeBlob(options, chunks);
  } finally {
    release?.();
  }
  return spec.size;
}

/** Writes verified bytes to a temp file and renames it into `blobs/`. */
async function writeBlob(options: DownloadSmallOptions, chunks: readonly Buffer[]): Promise<void> {
  let temp = tempName(options.target);
  try {
    options.writeFault?.(0, options.spec.size);
    for (let tries = 1; ; tries += 1) {
      try {
        writeChunks(temp, chunks);
        break;
      } catch (error) {
        // A temp file of that name left by a crashed process: take another name.
        if ((error as { code?: string }).code !== 'EEXIST' || tries >= 8) {
          throw error;
        }
        temp = tempName(options.target);
      }
    }
    renameSync(temp, options.target);
  } catch (error) {
    await unlink(temp).catch(() => undefined);
    if ((error as { code?: string }).code === 'ENOSPC') {
      throw new ModelhubError('DISK_FULL', `The disk is full while writing ${describe(options)}.`, {
        hint: 'Free some space (hub gc --max-size SIZE) or point --cache-dir at a bigger disk.',
        details: { ...options.context, target: options.target },
        cause: error,
      });
    }
    throw error;
  }
}

interface Received {
  /** The body as it arrived (no copy). */
  readonly chunks: Buffer[];
  /** Its digest in the spec's algorithm, computed while it arrived. */
  readonly actual: string;
  /** Hands the body's buffer back for reuse, once its bytes are written (or dropped). */
  readonly release?: () => void;
}

async function fetchWithRetry(options: DownloadSmallOptions): Promise<Received> {
  const policy = options.http.retry;
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await options.limiter.run(() => fetchOnce(options));
    } catch (error) {
      if (options.signal?.aborted === true) {
        throw options.signal.reason instanceof Error ? options.signal.reason : error;
      }
      const retryable = error instanceof RetryableStatus || transient(error);
      if (!retryable || attempt >= policy.retries) {
        throw downloadGaveUp(error, options.url, options.context);
      }
      const wait = backoffDelay(
        policy,
        attempt,
        error instanceof RetryableStatus ? error.retryAfterMs : undefined,
      );
      await delay(wait, options.signal);
    }
  }
}

/** A transport failure worth another attempt (also when the transport already coded it). */
function transient(error: unknown): boolean {
  if (isModelhubError(error)) {
    return (
      (error.code === 'NETWORK_ERROR' || error.code === 'NETWORK_TIMEOUT') &&
      isRetryableNetworkError(error.cause)
    );
  }
  return isRetryableNetworkError(error);
}

/**
 * One whole-file GET into memory; exactly `spec.size` bytes or an error. Plain-http requests to
 * the registry go over a pooled raw connection straight into a buffer of that size; anything else
 * (https, and what the pool hands back: redirects, error statuses, chunked bodies) through undici.
 */
async function fetchOnce(options: DownloadSmallOptions): Promise<Received> {
  const pool = options.sockets;
  if (pool?.accepts(options.url) === true) {
    const got = await pool.get({
      url: new URL(options.url),
      headers: options.http.outgoingHeaders(options.url, { 'accept-encoding': 'identity' }),
      size: options.spec.size,
      signal: options.signal,
      stallMs: options.stallMs,
    });
    if (got.kind === 'body') {
      const body = got.body;
      return {
        chunks: [body],
        actual: hashFor(options.spec).update(body).digest('hex'),
        release: () => pool.buffers.give(body),
      };
    }
    const { status, headers } = got.head;
    if (isRetryableStatus(status)) {
      throw new RetryableStatus(status, headers['retry-after']);
    }
    if (status >= 300 && status < 400) {
      pool.bypass();
    }
  }
  return fetchWithUndici(options);
}

/** One whole-file GET through undici, hashed as it arrives. */
async function fetchWithUndici(options: DownloadSmallOptions): Promise<Received> {
  const { size } = options.spec;
  const chunks: Buffer[] = [];
  const hash = hashFor(options.spec);
  let received = 0;
  let oversize = false;
  const oversizeError = (): ModelhubError =>
    new ModelhubError(
      'INTEGRITY_MISMATCH',
      `The registry sent more than the published ${size} bytes of ${describe(options)}.`,
      {
        hint: 'The registry or a proxy changed the file; nothing was kept. Retry the pull.',
        details: { ...options.context, expected: options.spec.id, size },
      },
    );
  let res: Awaited<ReturnType<HubHttp['fetchBody']>>;
  try {
    res = await options.http.fetchBody(
      {
        url: options.url,
        headers: { 'accept-encoding': 'identity' },
        signal: options.signal,
        bodyTimeoutMs: options.stallMs ?? 30_000,
      },
      (chunk) => {
        if (received + chunk.byteLength > size) {
          oversize = true;
          throw new Error('the body is longer than the published size');
        }
        chunks.push(chunk);
        hash.update(chunk);
        received += chunk.byteLength;
      },
    );
  } catch (error) {
    throw oversize ? oversizeError() : error;
  }
  if (res.status < 200 || res.status >= 300) {
    if (isRetryableStatus(res.status)) {
      throw new RetryableStatus(res.status, res.headers['retry-after']);
    }
    throw errorFromResponse(res.status, res.headers, res.body, {
      ...options.context,
      url: options.url,
      ...options.http.authContext(),
    });
  }
  if (received !== size) {
    // A body that ended early (a clean close mid-file): fetch it again.
    throw Object.assign(new Error(`the body ended after ${received} of ${size} bytes`), {
      code: 'UND_ERR_SOCKET',
    });
  }
  return { chunks, actual: hash.digest('hex') };
}
