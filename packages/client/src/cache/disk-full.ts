import { ModelhubError, isModelhubError } from '@modelhub/core';

/** SQLite's primary result code for "database or disk is full". */
const SQLITE_FULL = 13;
/**
 * SQLite's extended code for "could not grow the WAL shared-memory file", which is what opening an
 * existing WAL database on a full disk reports (SQLITE_IOERR | 19 << 8).
 */
const SQLITE_IOERR_SHMSIZE = 4874;

/**
 * True for a "no space left" failure: ENOSPC or EDQUOT from the file system, or SQLITE_FULL /
 * SQLITE_IOERR_SHMSIZE from the `node:sqlite` metadata store.
 */
export function isDiskFull(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) {
    return false;
  }
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return (
    code === 'ENOSPC' ||
    code === 'EDQUOT' ||
    (code === 'ERR_SQLITE_ERROR' &&
      typeof errcode === 'number' &&
      ((errcode & 0xff) === SQLITE_FULL || errcode === SQLITE_IOERR_SHMSIZE))
  );
}

/**
 * A raw "no space left" error from any cache write (the metadata store, a lock, a tree file, a
 * snapshot link) as the same coded DISK_FULL error the blob downloads raise. Anything else, and
 * errors that are already coded, come back unchanged.
 */
export function asDiskFullError(error: unknown, cacheRoot: string): unknown {
  if (isModelhubError(error) || !isDiskFull(error)) {
    return error;
  }
  return new ModelhubError('DISK_FULL', `The disk is full: a write to the cache ${cacheRoot} failed.`, {
    hint: 'Free some space (hub gc --max-size SIZE) or point --cache-dir at a bigger disk.',
    details: { cacheRoot, reason: error instanceof Error ? error.message : String(error) },
    cause: error,
  });
}
