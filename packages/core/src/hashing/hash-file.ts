import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';

import { createGitBlobHash } from './git-blob-sha1.ts';

/** The hashes of one file, as the Hub and the head manifest name them. */
export interface FileHashes {
  readonly size: number;
  /** Hex sha256 of the content (the LFS oid). */
  readonly sha256: string;
  /** Hex git blob sha1 of the content (the git oid of a regular file). */
  readonly gitSha1: string;
}

/**
 * Reads a file of `size` bytes once, in 1 MiB chunks, into every hash. Throws when it holds
 * another number of bytes by then (it changed while it was read): a hash of half a rewrite
 * names nothing.
 */
export async function streamIntoHashes(path: string, size: number, hashes: readonly Hash[]): Promise<void> {
  let seen = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    seen += bytes.byteLength;
    for (const hash of hashes) {
      hash.update(bytes);
    }
  }
  if (seen !== size) {
    throw new Error(`${path} changed size while it was hashed (${size} then ${seen} bytes)`);
  }
}

/** Reads a file once and returns its size, sha256 and git blob sha1. */
export async function hashFile(path: string): Promise<FileHashes> {
  const { size } = await stat(path);
  const sha = createHash('sha256');
  const git = createGitBlobHash(size);
  await streamIntoHashes(path, size, [sha, git]);
  return { size, sha256: sha.digest('hex'), gitSha1: git.digest('hex') };
}
