import { createHash } from 'node:crypto';
import { open, readFile, readdir, stat } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';

import { ModelhubError, assertSafeRepoPath, gitBlobSha1, hashFile } from '@modelhub/core';

import { Limiter } from '../transfer/limiter.ts';

/** A file of the folder being pushed, with what the Hub needs to know about it. */
export interface LocalFile {
  /** Repository path (`/`-separated, relative to the pushed folder). */
  readonly path: string;
  readonly absolute: string;
  readonly size: number;
  readonly sha256: string;
  readonly gitSha1: string;
  /** Base64 of the first 512 bytes: the registry looks at it to choose LFS or regular upload. */
  readonly sample: string;
}

/** Files up to this size are read whole (hashed from memory); larger ones are streamed. */
const SMALL_FILE = 4 * 1024 * 1024;

/** Folders never pushed: version control and tool caches. */
const IGNORED_DIRS = new Set(['.git', '.cache', 'node_modules', '.modelhub']);

async function sampleOf(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(512);
    const { bytesRead } = await handle.read(buffer, 0, 512, 0);
    return buffer.subarray(0, bytesRead).toString('base64');
  } finally {
    await handle.close();
  }
}

/** Lists and hashes every file under `dir` (sorted by path), skipping VCS and cache folders. */
export async function scanLocalFolder(dir: string): Promise<LocalFile[]> {
  let info;
  try {
    info = await stat(dir);
  } catch (cause) {
    throw new ModelhubError('INVALID_ARGUMENT', `The folder ${dir} does not exist.`, {
      hint: 'Pass the folder that `hub train --out` wrote, or any model folder.',
      cause,
    });
  }
  if (!info.isDirectory()) {
    throw new ModelhubError('INVALID_ARGUMENT', `${dir} is not a folder.`, {
      hint: 'hub push takes a folder and uploads every file in it.',
    });
  }
  const paths: string[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const absolute = join(folder, entry.name);
      if (entry.isDirectory()) {
        if (!IGNORED_DIRS.has(entry.name)) {
          await walk(absolute);
        }
      } else if (entry.isFile() || (entry.isSymbolicLink() && (await stat(absolute)).isFile())) {
        paths.push(absolute);
      }
    }
  };
  await walk(dir);
  if (paths.length === 0) {
    throw new ModelhubError('INVALID_ARGUMENT', `The folder ${dir} has no files to push.`);
  }
  // Several files at once: for a folder of small files the time goes to file system round trips
  // (stat, open, read, close), not to hashing.
  const limiter = new Limiter(8);
  return Promise.all(
    paths.sort().map((absolute) =>
      limiter.run(async (): Promise<LocalFile> => {
        const path = assertSafeRepoPath(relative(dir, absolute).split(sep).join('/'));
        const { size } = await stat(absolute);
        if (size <= SMALL_FILE) {
          // One read gives both hashes and the sample.
          const bytes = await readFile(absolute);
          return {
            path,
            absolute,
            size: bytes.byteLength,
            sha256: createHash('sha256').update(bytes).digest('hex'),
            gitSha1: gitBlobSha1(bytes),
            sample: bytes.subarray(0, 512).toString('base64'),
          };
        }
        const hashes = await hashFile(absolute);
        return { path, absolute, ...hashes, sample: await sampleOf(absolute) };
      }),
    ),
  );
}
