import { writeSync } from 'node:fs';
import { mkdir, open, rename, unlink, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Writable } from 'node:stream';

import { ModelhubError, isModelhubError } from '@modelhub/core';

import { downloadGaveUp, errorFromResponse } from '../http/http-errors.ts';
import { MAX_REDIRECTS, type HubHttp } from '../http/hub-http.ts';
import {
  backoffDelay,
  delay,
  isRetryableNetworkError,
  isRetryableStatus,
  RetryableStatus,
} from '../http/retry-policy.ts';
import type { Limiter } from './limiter.ts';
import { loadPartialState, missingRanges, removePartial, savePartialState } from './partial-state.ts';
import { inThreadHash, ThreadHash, type IncrementalHash } from './incremental-hash.ts';
import { SequentialHasher, type Segment } from './sequential-hasher.ts';
import { isRefusal, SignedLocation, SignedUrlRefused, storageRefusal } from './signed-location.ts';
import { SlabWriter } from './slab-writer.ts';
import { splitLargest } from './segment-split.ts';
import { socketGet, type BodyPlan } from './socket-get.ts';
import { Stalled, TransferGuard, assertRangeStart } from './transfer-guard.ts';

/** The blob to fetch: its cache name (= expected hash), size and hash algorithm. */
export interface BlobSpec {
  readonly id: string;
  readonly size: number;
  readonly algo: 'sha256' | 'git-sha1';
}

/**
 * A test hook in the file writer: called before each write with the file offset and length; it may
 * throw (e.g. an ENOSPC error) to simulate a failing disk. Production code never sets it.
 */
export type WriteFault = (offset: number, length: number) => void;

export interface TransferTuning {
  /** Bytes per ranged request when a file is split (default 16 MiB). */
  readonly chunkSize?: number | undefined;
  /** Files at least this large are fetched in parallel ranges (default 32 MiB). */
  readonly parallelThreshold?: number | undefined;
  /** Parallel ranged requests per file (default 4). */
  readonly connectionsPerFile?: number | undefined;
  /**
   * When a parallel download has no range left to start, an idle connection takes the second half
   * of the running range with the most bytes left, if each half is at least this (default 4 MiB;
   * `Infinity` turns it off). One slow connection then no longer holds up the end of the file.
   */
  readonly stealMinBytes?: number | undefined;
  /** A request that delivers no byte for this long is aborted and retried (default 30 s). */
  readonly stallMs?: number | undefined;
  /**
   * Requests for at least this many bytes from a plain-http URL are received on a raw socket into
   * large slabs, then written and hashed slab by slab (default 8 MiB); `Infinity` keeps every
   * request on undici. https, chunked bodies and error statuses always go through undici.
   */
  readonly socketMinBytes?: number | undefined;
  /**
   * Size of one receive slab of the raw-socket path (default 512 KiB; 4 MiB of slabs per
   * request). Measured here: 512 KiB took the least CPU per GiB; 1 MiB slabs sometimes doubled
   * the system time.
   */
  readonly socketSlabBytes?: number | undefined;
  /**
   * Raw-socket path: write on the thread pool behind the receive loop instead of synchronously
   * between reads (default false: measured to cost 20-100% more CPU per GiB on 2 cores, where the
   * registry on loopback needs the other core; the kernel keeps receiving during a write anyway).
   */
  readonly writeBehind?: boolean | undefined;
  /**
   * Hash sha256 blobs on a worker thread that reads the partial file back right behind the writes
   * (from the page cache), so hashing runs beside the receive-and-write loop: `true` for every
   * sha256 blob, `false` never, unset (the default) for blobs of 64 MiB or more (a thread costs
   * ~20 ms to start).
   */
  readonly hashOnThread?: boolean | undefined;
  readonly writeFault?: WriteFault | undefined;
}

export interface DownloadBlobOptions {
  readonly http: HubHttp;
  readonly url: string;
  readonly spec: BlobSpec;
  /** Where the verified blob ends up; the partial file and its state live next to it. */
  readonly target: string;
  readonly limiter: Limiter;
  readonly tuning?: TransferTuning | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Called with each number of bytes written. */
  readonly onBytes?: ((bytes: number) => void) | undefined;
  /** Called once, before any transfer, with the bytes kept from an interrupted download. */
  readonly onResumed?: ((bytes: number) => void) | undefined;
  readonly context?: Readonly<Record<string, unknown>> | undefined;
}

export interface DownloadBlobResult {
  /** Bytes reused from an earlier, interrupted download. */
  readonly resumedBytes: number;
}

/** The partial file and its sidecar for a target blob path. */
export function partialPaths(target: string): { partial: string; state: string } {
  return { partial: `${target}.partial`, state: `${target}.partial.json` };
}

/**
 * Downloads one blob into `<target>.partial` with parallel ranged requests (several per file for
 * large files), retries (backoff, jitter, Retry-After), a stall watchdog, and resume state in
 * `<target>.partial.json` that survives crashes and is reused by the next run or process. The
 * content is hashed while it is written; only a file whose size and hash match `spec` is renamed
 * to `target`. A mismatch deletes the bytes and throws INTEGRITY_MISMATCH. The caller holds the
 * blob's lock. Large requests to plain-http URLs take the raw-socket path (`fetchOnceSocket`);
 * everything else streams through undici (`fetchOnce`).
 */
export async function downloadBlob(options: DownloadBlobOptions): Promise<DownloadBlobResult> {
  const { spec, target } = options;
  const tuning = options.tuning ?? {};
  const paths = partialPaths(target);
  await mkdir(dirname(target), { recursive: true });
  const state = await loadPartialState(paths.state, paths.partial, spec);
  // Without a usable state the partial file (if any) is truncated by opening it with 'w+'.
  let stateSaved = state !== undefined;
  const done = state?.done ?? [];
  const resumedBytes = done.reduce((n, [s, e]) => n + (e - s), 0);
  if (resumedBytes > 0) {
    options.onResumed?.(resumedBytes);
  }
  const file = await open(paths.partial, state === undefined ? 'w+' : 'r+');
  let ok = false;
  let hash: IncrementalHash | undefined;
  const segments: Segment[] = done.map(([start, end]) => ({ start, end, written: end - start }));
  const chunkSize = Math.max(1 << 16, tuning.chunkSize ?? 16 << 20);
  const parallel = spec.size >= (tuning.parallelThreshold ?? 32 << 20);
  const todo: Segment[] = [];
  for (const [start, end] of missingRanges(spec.size, done)) {
    const step = parallel ? chunkSize : end - start;
    for (let at = start; at < end; at += step) {
      todo.push({ start: at, end: Math.min(end, at + step), written: 0 });
    }
  }
  segments.push(...todo);
  // Saves run one after another, and the periodic one is stopped and waited for before the state
  // file is removed: a save still in flight would otherwise bring it back after the removal.
  let saving: Promise<void> = Promise.resolve();
  const saveState = (): Promise<void> => {
    stateSaved = true;
    const done = segments
      .filter((s) => s.written > 0)
      .map((s): [number, number] => [s.start, s.start + s.written]);
    saving = saving
      .catch(() => undefined)
      .then(() =>
        savePartialState(paths.state, { version: 1, id: spec.id, size: spec.size, algo: spec.algo, done }),
      );
    return saving;
  };
  const saver = setInterval(() => {
    void saveState().catch(() => undefined);
  }, 1000);
  saver.unref();
  const stopSaving = async (): Promise<void> => {
    clearInterval(saver);
    await saving.catch(() => undefined);
  };
  try {
    if (state === undefined && parallel) {
      await file.truncate(spec.size);
    }
    const threaded = spec.algo === 'sha256' && (tuning.hashOnThread ?? spec.size >= 64 << 20);
    hash = threaded ? new ThreadHash() : inThreadHash(spec.algo, spec.size);
    const hasher = new SequentialHasher(spec.algo, spec.size, file, segments, undefined, hash, paths.partial);
    if (resumedBytes > 0) {
      // The bytes kept from the interrupted run are hashed now, beside the download of the rest.
      hasher.start();
    }
    const workers = parallel ? Math.max(1, tuning.connectionsPerFile ?? 4) : 1;
    let next = 0;
    const route: Route = { socket: true, location: new SignedLocation(options.url) };
    const running = new Set<Segment>();
    const stealMin = tuning.stealMinBytes ?? 4 << 20;
    /** The next range to fetch: a planned one, else the second half of the slowest running one. */
    const take = (): Segment | undefined => {
      const planned = todo[next++];
      if (planned !== undefined || !parallel) {
        return planned;
      }
      const stolen = splitLargest(running, stealMin);
      if (stolen !== undefined) {
        segments.push(stolen);
        hasher.addSegment(stolen);
      }
      return stolen;
    };
    const worker = async (): Promise<void> => {
      for (let segment = take(); segment !== undefined; segment = take()) {
        running.add(segment);
        try {
          await fetchSegment(options, file, segment, hasher, route);
        } finally {
          running.delete(segment);
        }
      }
    };
    const results = await Promise.allSettled(Array.from({ length: Math.min(workers, todo.length) }, worker));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      throw failed.reason;
    }
    const digest = await hasher.digest();
    if (digest !== spec.id) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `Downloaded bytes do not match the published ${spec.algo} of ${describeFile(options)}.`,
        {
          hint: 'The registry, a proxy or the disk corrupted the data; the bytes were deleted. Retry the pull.',
          details: { ...options.context, expected: spec.id, actual: digest, algo: spec.algo, resumedBytes },
        },
      );
    }
    await file.close();
    await stopSaving();
    await rename(paths.partial, target);
    if (stateSaved) {
      await unlink(paths.state).catch(() => undefined);
    }
    ok = true;
    return { resumedBytes };
  } catch (error) {
    const diskFull = (error as { code?: string }).code === 'ENOSPC';
    const mismatch = isModelhubError(error) && error.code === 'INTEGRITY_MISMATCH';
    if (diskFull || mismatch) {
      await file.close().catch(() => undefined);
      await stopSaving();
      await removePartial(paths.partial, paths.state);
    } else {
      await saveState().catch(() => undefined);
    }
    if (diskFull) {
      throw new ModelhubError('DISK_FULL', `The disk is full while writing ${describeFile(options)}.`, {
        hint: 'Free some space (hub gc --max-size SIZE) or point --cache-dir at a bigger disk.',
        details: { ...options.context, target },
        cause: error,
      });
    }
    throw error;
  } finally {
    clearInterval(saver);
    await hash?.close();
    if (!ok) {
      await file.close().catch(() => undefined);
    }
  }
}

function describeFile(options: DownloadBlobOptions): string {
  const path = options.context?.['path'];
  return typeof path === 'string' ? path : options.spec.id;
}

/** Stops a request whose range was split off and is complete (not a failure). */
class RangeDone extends Error {
  constructor() {
    super('the rest of this range is fetched by another connection');
  }
}

/** A failure of the disk under a transfer: never hidden by a range that happens to be complete. */
function isWriteFailure(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return code === 'ENOSPC' || code === 'EIO' || code === 'EDQUOT';
}

/** Which transport a blob's requests use; the raw socket is dropped for good once it had to defer. */
interface Route {
  socket: boolean;
  /** The registry's URL of the blob, and the signed storage URL it redirected to, if any. */
  readonly location: SignedLocation;
}

/** Fetches one segment to completion, retrying and resuming from the last written byte. */
async function fetchSegment(
  options: DownloadBlobOptions,
  file: FileHandle,
  segment: Segment,
  hasher: SequentialHasher,
  route: Route,
): Promise<void> {
  const policy = options.http.retry;
  let attempt = 0;
  while (segment.written < segment.end - segment.start) {
    const before = segment.written;
    try {
      await options.limiter.run(async () => {
        if (route.socket && socketEligible(options, segment)) {
          if ((await fetchOnceSocket(options, file, segment, hasher, route)) === 'done') {
            return;
          }
          route.socket = false;
        }
        await fetchOnce(options, file, segment, hasher, route.location);
      });
      if (segment.written === before) {
        throw Object.assign(new Error('empty response body'), { code: 'UND_ERR_SOCKET' });
      }
    } catch (error) {
      if (options.signal?.aborted === true) {
        throw options.signal.reason instanceof Error ? options.signal.reason : error;
      }
      if (segment.written >= segment.end - segment.start && !isWriteFailure(error)) {
        // The range was cut short by `splitLargest` and is complete: its request was stopped.
        return;
      }
      if (error instanceof SignedUrlRefused) {
        // An expired signed URL: the next request asks the registry for a fresh one at once.
        continue;
      }
      const retryable =
        error instanceof RetryableStatus || error instanceof Stalled || isRetryableNetworkError(error);
      if (segment.written > before) {
        attempt = 0; // Progress was made: the failure budget starts again.
      }
      if (!retryable || attempt >= policy.retries) {
        if (error instanceof Stalled) {
          throw new ModelhubError('NETWORK_TIMEOUT', `The download of ${describeFile(options)} stalled.`, {
            hint: 'The connection stopped delivering data; retry, and the download resumes where it stopped.',
            details: { ...options.context, url: options.url },
          });
        }
        throw downloadGaveUp(error, options.url, options.context);
      }
      const wait = backoffDelay(
        policy,
        attempt,
        error instanceof RetryableStatus ? error.retryAfterMs : undefined,
      );
      attempt += 1;
      await delay(wait, options.signal);
    }
  }
}

/**
 * One ranged GET for the rest of a segment (from the remembered signed URL, else the registry);
 * writes what arrives, in order, at its offsets.
 */
async function fetchOnce(
  options: DownloadBlobOptions,
  file: FileHandle,
  segment: Segment,
  hasher: SequentialHasher,
  location: SignedLocation,
): Promise<void> {
  const from = segment.start + segment.written;
  const last = segment.end - 1;
  const whole = from === 0 && segment.end === options.spec.size;
  const guard = new TransferGuard(options.signal, options.tuning?.stallMs ?? 30_000);
  const remaining = (): number => segment.end - segment.start - segment.written;
  // The last byte the response will carry (a 200 carries the whole file).
  let responseLast = last;
  const { url, reused } = location.next();
  try {
    const res = await options.http.stream(
      {
        url,
        // A whole-file request needs no Range; any other asks for exactly the missing bytes.
        headers: whole
          ? { 'accept-encoding': 'identity' }
          : { range: `bytes=${from}-${last}`, 'accept-encoding': 'identity' },
        signal: guard.controller.signal,
      },
      ({ status, headers, url: answered }) => {
        location.learn(answered);
        // A 200 to a ranged request carries the whole file: skip to where this segment starts.
        let skip = status === 200 ? from : 0;
        responseLast = status === 206 ? last : options.spec.size - 1;
        if (status === 206) {
          assertRangeStart(headers['content-range'], from);
        }
        return new Writable({
          highWaterMark: 1 << 20,
          write(raw: Buffer, _encoding, callback) {
            guard.touch();
            try {
              let chunk = raw;
              if (skip > 0) {
                const dropped = Math.min(skip, chunk.byteLength);
                skip -= dropped;
                chunk = chunk.subarray(dropped);
              }
              const room = remaining();
              if (chunk.byteLength > room) {
                chunk = chunk.subarray(0, room);
              }
              if (chunk.byteLength > 0) {
                const offset = segment.start + segment.written;
                options.tuning?.writeFault?.(offset, chunk.byteLength);
                let done = 0;
                while (done < chunk.byteLength) {
                  done += writeSync(file.fd, chunk, done, chunk.byteLength - done, offset + done);
                }
                segment.written += chunk.byteLength;
                hasher.written(offset, chunk);
                options.onBytes?.(chunk.byteLength);
              }
              if (remaining() === 0 && segment.end - 1 < responseLast) {
                // The range was split and this part is done: stop reading the rest.
                guard.controller.abort(new RangeDone());
              }
              callback();
            } catch (error) {
              callback(error as Error);
            }
          },
        });
      },
    );
    if (res.status !== 200 && res.status !== 206) {
      if (reused && isRefusal(res.status)) {
        location.forget(url);
        throw new SignedUrlRefused(res.status);
      }
      if (isRetryableStatus(res.status)) {
        throw new RetryableStatus(res.status, res.headers['retry-after']);
      }
      if (new URL(res.url).origin !== new URL(options.url).origin) {
        throw storageRefusal(res.status, res.url, describeFile(options), options.context ?? {});
      }
      throw errorFromResponse(res.status, res.headers, res.body, {
        ...options.context,
        url: options.url,
        ...options.http.authContext(),
      });
    }
  } catch (error) {
    throw guard.failure(error);
  } finally {
    guard.dispose();
  }
}

function socketEligible(options: DownloadBlobOptions, segment: Segment): boolean {
  const remaining = segment.end - segment.start - segment.written;
  return options.url.startsWith('http:') && remaining >= (options.tuning?.socketMinBytes ?? 8 << 20);
}

/**
 * The fast path of `fetchOnce` for plain http: the body is received on a raw socket into reused
 * slabs (no per-chunk allocation, copy or parser) and each full slab is written at its offset,
 * then hashed, by a SlabWriter (synchronously by default, or behind the receive loop). Redirects
 * are followed here (the token only goes to the registry's origin). Returns 'defer' without
 * having written anything when undici should handle the request instead: a redirect to https, a
 * chunked or encoded body, or an error status that is not retryable (undici reads its body for
 * the error message).
 */
async function fetchOnceSocket(
  options: DownloadBlobOptions,
  file: FileHandle,
  segment: Segment,
  hasher: SequentialHasher,
  route: Route,
): Promise<'done' | 'defer'> {
  const { location: signed } = route;
  const from = segment.start + segment.written;
  const wanted = segment.end - from;
  const whole = from === 0 && segment.end === options.spec.size;
  const guard = new TransferGuard(options.signal, options.tuning?.stallMs ?? 30_000);
  const writer = new SlabWriter({
    fd: file.fd,
    segment,
    hasher,
    writeFault: options.tuning?.writeFault,
    behind: options.tuning?.writeBehind ?? false,
    onBytes: options.onBytes,
    onFailure: (error) => guard.controller.abort(error),
    onRangeEnd: () => guard.controller.abort(new RangeDone()),
  });
  try {
    const start = signed.next();
    let url = start.url;
    for (let hop = 0; ; hop += 1) {
      const target = new URL(url);
      if (target.protocol !== 'http:') {
        return 'defer';
      }
      const headers = options.http.outgoingHeaders(
        url,
        whole
          ? { 'accept-encoding': 'identity' }
          : { range: `bytes=${from}-${segment.end - 1}`, 'accept-encoding': 'identity' },
      );
      let outcome = { kind: 'body' } as SocketOutcome;
      try {
        await socketGet({
          url: target,
          headers,
          signal: guard.controller.signal,
          slabBytes: options.tuning?.socketSlabBytes,
          sink: {
            activity: () => {
              guard.touch();
            },
            // The segment's end moves back when an idle connection takes the rest of the range.
            wanted: () => segment.end - from,
            head: ({ status, headers: seen, bodyLength }): BodyPlan | undefined => {
              const location = seen['location'];
              if (status >= 300 && status < 400 && location !== undefined) {
                outcome = { kind: 'redirect', location };
                return undefined;
              }
              const encoded = (seen['content-encoding'] ?? 'identity') !== 'identity';
              if ((status !== 200 && status !== 206) || bodyLength === undefined || encoded) {
                outcome = { kind: 'other', status, retryAfter: seen['retry-after'] };
                return undefined;
              }
              if (status === 206) {
                assertRangeStart(seen['content-range'], from);
              }
              signed.learn(url);
              // A 200 to a ranged request carries the whole file: skip to where this segment starts.
              const skip = status === 200 ? from : 0;
              return { skip, keep: Math.max(0, Math.min(wanted, bodyLength - skip)) };
            },
            slab: (slab, length, release) => writer.push(slab, length, release),
          },
        });
      } catch (error) {
        // Keep what arrived: the retry resumes after the last written byte.
        await writer.settled();
        if (writer.failure !== undefined) {
          throw writer.failure;
        }
        throw guard.failure(error);
      }
      await writer.drained();
      const result = outcome;
      if (result.kind === 'body') {
        return 'done';
      }
      if (result.kind === 'redirect') {
        if (hop >= MAX_REDIRECTS) {
          return 'defer';
        }
        url = new URL(result.location, url).toString();
        continue;
      }
      if (hop === 0 && start.reused && isRefusal(result.status)) {
        signed.forget(url);
        throw new SignedUrlRefused(result.status);
      }
      if (isRetryableStatus(result.status)) {
        throw new RetryableStatus(result.status, result.retryAfter);
      }
      return 'defer';
    }
  } finally {
    guard.dispose();
  }
}

/** How a raw-socket response ended: a body written, a redirect, or a status for someone else. */
type SocketOutcome =
  | { readonly kind: 'body' }
  | { readonly kind: 'redirect'; readonly location: string }
  | { readonly kind: 'other'; readonly status: number; readonly retryAfter: string | undefined };
