import { constants } from 'node:fs';
import { copyFile, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { assertSafeRepoPath, blobIdOf, type FileEntry } from '@modelhub/core';

import { Limiter } from '../transfer/limiter.ts';

/** What `hub pull --local-dir` did. */
export interface LocalDirResult {
  readonly dir: string;
  /** Files copied from the cache (new or changed since the last copy). */
  readonly copied: number;
  /** Files left alone: the same blob was copied there before and is unchanged. */
  readonly kept: number;
}

/** Per-file record of what was copied, so an unchanged file is not copied again. */
interface CopyRecord {
  readonly repo: string;
  readonly commit: string;
  readonly blob: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Where the record of `path` lives: out of the way, under `.modelhub/` (like huggingface_hub's `.cache/`). */
export function copyRecordPath(localDir: string, path: string): string {
  return join(localDir, '.modelhub', 'download', `${assertSafeRepoPath(path)}.json`);
}

async function readRecord(path: string): Promise<CopyRecord | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as CopyRecord;
  } catch {
    return undefined;
  }
}

/**
 * Puts `files` of a cached snapshot into `localDir` as ordinary files (for tools that want a plain
 * folder, as `huggingface-cli download --local-dir` does). Each file is a copy of its verified
 * blob, a copy-on-write clone where the filesystem supports it, written to a temp name and
 * renamed, so an edit in the folder can never reach the cache. A file whose record says the same
 * blob was copied and whose size and mtime are unchanged is kept; anything else (an edited file, a
 * new revision) is copied again. Files of the folder that the selection does not name are left alone.
 */
export async function copyToLocalDir(
  snapshot: {
    readonly repo: string;
    readonly commit: string;
    /** The snapshot folder (its links lead to verified blobs). */
    readonly dir: string;
    readonly files: readonly FileEntry[];
  },
  localDir: string,
): Promise<LocalDirResult> {
  const { repo, commit, files } = snapshot;
  const limiter = new Limiter(4);
  let copied = 0;
  let kept = 0;
  await Promise.all(
    files.map((file) =>
      limiter.run(async () => {
        const target = join(localDir, assertSafeRepoPath(file.path));
        const recordPath = copyRecordPath(localDir, file.path);
        const blob = blobIdOf(file);
        const record = await readRecord(recordPath);
        const current = await stat(target).catch(() => undefined);
        if (
          record?.blob === blob &&
          current !== undefined &&
          current.size === record.size &&
          current.mtimeMs === record.mtimeMs
        ) {
          kept += 1;
          return;
        }
        await mkdir(dirname(target), { recursive: true });
        const temp = `${target}.${process.pid.toString(36)}.modelhub-tmp`;
        try {
          await copyFile(join(snapshot.dir, file.path), temp, constants.COPYFILE_FICLONE);
          await rename(temp, target);
        } catch (error) {
          await unlink(temp).catch(() => undefined);
          throw error;
        }
        const written = await stat(target);
        await mkdir(dirname(recordPath), { recursive: true });
        const next: CopyRecord = {
          repo,
          commit,
          blob,
          size: written.size,
          mtimeMs: written.mtimeMs,
        };
        await writeFile(recordPath, `${JSON.stringify(next)}\n`);
        copied += 1;
      }),
    ),
  );
  return { dir: localDir, copied, kept };
}
