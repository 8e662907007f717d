import { createHash, type Hash } from 'node:crypto';

/**
 * A streaming hasher for the git blob id of a file: `sha1("blob <size>\0" + bytes)`.
 * The Hub uses it as the ETag and tree `oid` of regular (non-LFS) files. The size must be known
 * up front because it is part of the header.
 */
export function createGitBlobHash(size: number): Hash {
  if (!Number.isSafeInteger(size) || size < 0) {
    throw new RangeError(`git blob size must be a non-negative integer, got ${size}`);
  }
  return createHash('sha1').update(`blob ${size}\0`);
}

/** The git blob id of an in-memory buffer. */
export function gitBlobSha1(bytes: Uint8Array): string {
  return createGitBlobHash(bytes.byteLength).update(bytes).digest('hex');
}
