import { createHash } from 'node:crypto';
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

/** Reads a file once and returns its size, sha256 and git blob sha1. */
export async function hashFile(path: string): Promise<FileHashes> {
  const { size } = await stat(path);
  const sha = createHash('sha256');
  const git = createGitBlobHash(size);
  let seen = 0;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const bytes = chunk as Buffer;
    seen += bytes.byteLength;
    sha.update(bytes);
    git.update(bytes);
  }
  if (seen !== size) {
    throw new Error(`${path} changed size while it was hashed (${size} then ${seen} bytes)`);
  }
  return { size, sha256: sha.digest('hex'), gitSha1: git.digest('hex') };
}
