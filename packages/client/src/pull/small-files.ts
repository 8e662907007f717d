import { blobIdOf, isModelhubError, type FileEntry } from '@modelhub/core';

import { acquireLock } from '../cache/file-lock.ts';
import type { RepoCache } from '../cache/repo-cache.ts';
import type { HubHttp } from '../http/hub-http.ts';
import type { ProgressTracker } from '../progress/progress-tracker.ts';
import type { BlobSpec } from '../transfer/download-blob.ts';
import { defaultSmallFileThreshold, downloadSmallBlob } from '../transfer/download-small.ts';
import type { Limiter } from '../transfer/limiter.ts';
import type { SocketPool } from '../transfer/socket-pool.ts';
import type { PullTuning } from './pull-types.ts';

/**
 * True when a file takes the small-file path: at most `smallFileThreshold` bytes (default 4 MiB,
 * 0 turns the path off) and below an explicitly set `parallelThreshold` (a caller who asks for
 * ranged, resumable transfers from some size on gets them).
 */
export function isSmallFile(size: number, tuning: PullTuning | undefined): boolean {
  const threshold = tuning?.smallFileThreshold ?? defaultSmallFileThreshold;
  return size <= threshold && size < (tuning?.parallelThreshold ?? Number.POSITIVE_INFINITY);
}

export interface SmallFilesJob {
  readonly http: HubHttp;
  readonly cache: RepoCache;
  readonly commit: string;
  readonly tracker: ProgressTracker;
  /** Shared with the large-file transfers: HTTP requests in flight. */
  readonly connections: Limiter;
  /** Keep-alive raw connections to a plain-http registry (undefined: undici only). */
  readonly sockets: SocketPool | undefined;
  readonly tuning: PullTuning | undefined;
  readonly signal: AbortSignal | undefined;
  /** Settles when the `blobs/` folder exists (made while the lock is taken). */
  readonly blobsReady: Promise<void>;
  readonly specOf: (file: FileEntry) => BlobSpec;
  readonly urlOf: (file: FileEntry) => string;
  /** Called as soon as a file's blob is verified and in `blobs/` (the caller links it). */
  /** Called per file once its blob is in place; `fetched` when this job downloaded and verified it. */
  readonly onReady: (file: FileEntry, fetched: boolean) => Promise<void>;
}

/**
 * Fetches the missing small files of a snapshot under ONE lock per repo instead of one per file
 * (a lock costs a create, a heartbeat timer, a read-back and an unlink). After taking the lock the
 * blobs folder is listed again, so a process that waited for another one fetches only what is
 * still missing: N concurrent pulls fetch each blob once. Files that share a blob fetch it once.
 * Every file is settled (fetched, or failed) before the first error is thrown; files that made it
 * are linked all the same. Returns the bytes received.
 */
export async function installSmallFiles(job: SmallFilesJob, files: readonly FileEntry[]): Promise<number> {
  if (files.length === 0) {
    return 0;
  }
  const { cache, tracker } = job;
  const lock = await acquireLock(cache.smallFilesLockPath, {
    staleMs: job.tuning?.lockStaleMs ?? 30_000,
    signal: job.signal,
    onWait: (holder) =>
      tracker.event({
        type: 'wait-lock',
        path: files.length === 1 ? (files[0]?.path ?? '') : `${files.length} small files`,
        holder: holder === undefined ? undefined : { pid: holder.pid, host: holder.host },
      }),
  });
  let received = 0;
  try {
    await job.blobsReady;
    const present = await cache.listBlobs();
    const byBlob = new Map<string, FileEntry[]>();
    for (const file of files) {
      const id = blobIdOf(file);
      byBlob.set(id, [...(byBlob.get(id) ?? []), file]);
    }
    const outcomes = await Promise.allSettled(
      [...byBlob].map(async ([id, same]) => {
        const first = same[0];
        if (first === undefined) {
          return;
        }
        if (!present.has(id)) {
          // Not `received += await …`: that reads `received` before the await and loses updates.
          const bytes = await fetchOne(job, first);
          received += bytes;
        }
        for (const file of same) {
          tracker.start(file.path, file.size);
          tracker.add(file.path, file.size);
          tracker.finish(file.path);
          await job.onReady(file, !present.has(id));
        }
      }),
    );
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
    if (failure !== undefined) {
      throw failure.reason;
    }
    return received;
  } finally {
    await lock.release();
  }
}

async function fetchOne(job: SmallFilesJob, file: FileEntry): Promise<number> {
  const spec = job.specOf(file);
  const options = {
    http: job.http,
    url: job.urlOf(file),
    spec,
    target: job.cache.blobPath(spec.id),
    limiter: job.connections,
    sockets: job.sockets,
    stallMs: job.tuning?.stallMs,
    writeFault: job.tuning?.writeFault,
    signal: job.signal,
    context: { repo: job.cache.repo, revision: job.commit, path: file.path, endpoint: job.http.endpoint },
  };
  try {
    return await downloadSmallBlob(options);
  } catch (error) {
    // One fresh attempt after a hash mismatch: a flaky proxy or link.
    if (isModelhubError(error) && error.code === 'INTEGRITY_MISMATCH') {
      job.tracker.event({ type: 'retry', path: file.path, reason: 'integrity mismatch; downloading again' });
      return downloadSmallBlob(options);
    }
    throw error;
  }
}
