import { randomBytes } from 'node:crypto';
import { readlinkSync, symlinkSync } from 'node:fs';
import {
  lstat,
  mkdir,
  readFile,
  readdir,
  readlink,
  rename,
  rm,
  symlink,
  utimes,
  writeFile,
} from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { assertSafeRepoPath, blobIdOf, documentSchema, nullish, type FileEntry } from '@modelhub/core';

/** `ns/name` → `models--ns--name`, the Hugging Face cache folder name. */
export function repoFolderName(repo: string): string {
  return `models--${repo.split('/').join('--')}`;
}

/** `models--ns--name` → `ns/name`, or undefined for other folders. */
export function repoFromFolderName(folder: string): string | undefined {
  const match = /^models--([^-].*?)--(.+)$/.exec(folder);
  return match === null ? undefined : `${match[1]}/${match[2]}`;
}

interface TreeFileEntry {
  size: number;
  blob_id: string;
  lfs_sha256?: string | null | undefined;
  lfs_size?: number | null | undefined;
}

/**
 * The `trees/<commit>.json` document of huggingface_hub ≥ 1.22, which we share (checked by hand:
 * a warm pull reads it every time). Other fields the official client may add are kept unchecked.
 */
const treeFileDocument = documentSchema((check, value): Record<string, TreeFileEntry> => {
  const doc = check.object(value, []);
  check.oneOf(doc['format_version'], ['format_version'], [1]);
  return check.entries(doc['files'], ['files'], (file, path) => {
    const entry = check.object(file, path);
    return {
      size: check.count(entry['size'], [...path, 'size']),
      blob_id: check.string(entry['blob_id'], [...path, 'blob_id']),
      lfs_sha256: nullish(entry['lfs_sha256'], (v) => check.string(v, [...path, 'lfs_sha256'])),
      lfs_size: nullish(entry['lfs_size'], (v) => check.number(v, [...path, 'lfs_size'])),
    };
  });
});

/**
 * The relative target of `snapshots/<commit>/<path>`'s link to `blobs/<id>`: up from the link's
 * folder to the repo folder, then down — what path.relative says, without resolving both paths
 * for each of a snapshot's files. `path` is a safe repo path (no empty, `.` or `..` segments).
 */
export function linkTarget(path: string, id: string): string {
  return join(...Array<string>(path.split('/').length + 1).fill('..'), 'blobs', id);
}

async function atomicWrite(path: string, content: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, content);
  await rename(temp, path);
}

async function exists(path: string): Promise<boolean> {
  try {
    await lstat(path);
    return true;
  } catch {
    return false;
  }
}

/**
 * One repository's folder in the cache, in the Hugging Face layout:
 * `blobs/<id>`, `snapshots/<commit>/<path>` (relative symlinks), `refs/<rev>`, `trees/<commit>.json`,
 * `.no_exist/<commit>/<path>`; our locks live in `<root>/.locks/models--ns--name/`.
 */
export class RepoCache {
  readonly root: string;
  readonly repo: string;
  readonly dir: string;
  readonly #madeDirs = new Set<string>();
  /** Snapshot folders that existed before this process made them: their links probably exist too. */
  readonly #foundDirs = new Set<string>();

  constructor(root: string, repo: string) {
    this.root = root;
    this.repo = repo;
    this.dir = join(root, repoFolderName(repo));
  }

  get blobsDir(): string {
    return join(this.dir, 'blobs');
  }

  get locksDir(): string {
    return join(this.root, '.locks', repoFolderName(this.repo));
  }

  blobPath(id: string): string {
    return join(this.blobsDir, id);
  }

  lockPath(id: string): string {
    return join(this.locksDir, `${id}.modelhub.lock`);
  }

  /** The one lock under which a process fetches this repo's small files (see pull). */
  get smallFilesLockPath(): string {
    return join(this.locksDir, 'small-files.modelhub.lock');
  }

  /** The names in `blobs/` (verified blobs, and partial or temp files), in one directory read. */
  async listBlobs(): Promise<Set<string>> {
    try {
      return new Set(await readdir(this.blobsDir));
    } catch {
      return new Set();
    }
  }

  /** Creates every folder the snapshot entries of `paths` need, each once. */
  async prepareSnapshot(commit: string, paths: readonly string[]): Promise<void> {
    const parents = new Set(paths.map((p) => dirname(this.snapshotPath(commit, p))));
    await Promise.all(
      [...parents]
        .filter((parent) => !this.#madeDirs.has(parent))
        .map(async (parent) => {
          await this.#makeDir(parent);
        }),
    );
  }

  /** mkdir -p, remembering whether the folder was already there (undefined: nothing created). */
  async #makeDir(dir: string): Promise<void> {
    if ((await mkdir(dir, { recursive: true })) === undefined) {
      this.#foundDirs.add(dir);
    }
    this.#madeDirs.add(dir);
  }

  snapshotDir(commit: string): string {
    return join(this.dir, 'snapshots', commit);
  }

  snapshotPath(commit: string, path: string): string {
    return join(this.snapshotDir(commit), assertSafeRepoPath(path));
  }

  async hasBlob(id: string): Promise<boolean> {
    return exists(this.blobPath(id));
  }

  /** The commit a revision pointed to when last resolved, from `refs/<rev>`. */
  async readRef(revision: string): Promise<string | undefined> {
    try {
      const text = (await readFile(join(this.dir, 'refs', assertSafeRepoPath(revision)), 'utf8')).trim();
      return /^[0-9a-f]{40}$/.test(text) ? text : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes `refs/<rev>` (40 hex, no newline). Written last, after the snapshot is complete. */
  async writeRef(revision: string, commit: string): Promise<void> {
    const path = join(this.dir, 'refs', assertSafeRepoPath(revision));
    if ((await this.readRef(revision)) !== commit) {
      await atomicWrite(path, commit);
    }
  }

  /** The cached file list of a commit, from `trees/<commit>.json`. */
  async readTree(commit: string): Promise<FileEntry[] | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.dir, 'trees', `${commit}.json`), 'utf8');
    } catch {
      return undefined;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return undefined;
    }
    const parsed = treeFileDocument.safeParse(json);
    if (!parsed.success) {
      return undefined;
    }
    return Object.entries(parsed.data).map(([path, f]) => {
      const lfs = typeof f.lfs_sha256 === 'string' && /^[0-9a-f]{64}$/.test(f.lfs_sha256);
      return {
        path,
        size: f.size,
        lfs,
        ...(lfs && typeof f.lfs_sha256 === 'string' ? { sha256: f.lfs_sha256 } : {}),
        ...(/^[0-9a-f]{40}$/.test(f.blob_id) ? { gitOid: f.blob_id } : {}),
      };
    });
  }

  /** Writes `trees/<commit>.json` in huggingface_hub's format (a commit's tree never changes). */
  async writeTree(commit: string, files: readonly FileEntry[]): Promise<void> {
    const doc = {
      format_version: 1,
      files: Object.fromEntries(
        files.map((f) => [
          f.path,
          {
            size: f.size,
            blob_id: f.gitOid ?? blobIdOf(f),
            ...(f.lfs && f.sha256 !== undefined ? { lfs_sha256: f.sha256, lfs_size: f.size } : {}),
          },
        ]),
      ),
    };
    await atomicWrite(join(this.dir, 'trees', `${commit}.json`), JSON.stringify(doc));
  }

  /** Records "this path does not exist at this commit" (`.no_exist/<commit>/<path>`). */
  async markNoExist(commit: string, path: string): Promise<void> {
    const file = join(this.dir, '.no_exist', commit, assertSafeRepoPath(path));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, '');
  }

  async isMarkedNoExist(commit: string, path: string): Promise<boolean> {
    return exists(join(this.dir, '.no_exist', commit, assertSafeRepoPath(path)));
  }

  /**
   * Makes `snapshots/<commit>/<path>` a relative symlink to `blobs/<id>`, atomically (a temp link
   * renamed over the old one), so concurrent pulls never see a half-made link.
   */
  async linkSnapshot(commit: string, path: string, id: string): Promise<void> {
    const link = this.snapshotPath(commit, path);
    const parent = dirname(link);
    const target = linkTarget(path, id);
    if (!this.#madeDirs.has(parent)) {
      await this.#makeDir(parent);
    }
    if (this.#foundDirs.has(parent)) {
      // A pull of a snapshot already on disk: the link is usually there and right, and one
      // readlink says so (a symlink attempt would fail first with EEXIST). Here and below the
      // common calls are synchronous: one cheap system call each, where the promise forms cost
      // a thread-pool round trip per file (a warm pull of 300 files: -8% CPU).
      try {
        if (readlinkSync(link) === target) {
          return;
        }
      } catch {
        // Missing, or a plain file: made below.
      }
    }
    try {
      // The common case: a new entry. symlink() never replaces, so a concurrent pull cannot race it.
      symlinkSync(target, link);
      return;
    } catch (error) {
      if ((error as { code?: string }).code !== 'EEXIST') {
        throw error;
      }
    }
    try {
      if ((await readlink(link)) === target) {
        return;
      }
    } catch {
      // A plain file (a copy made where symlinks are unsupported): replace it.
    }
    const temp = `${link}.${randomBytes(4).toString('hex')}.tmp`;
    await symlink(target, temp);
    await rename(temp, link);
  }

  /** True when the snapshot entry exists and points to the blob `id`. */
  async isLinked(commit: string, path: string, id: string): Promise<boolean> {
    const link = this.snapshotPath(commit, path);
    try {
      return (await readlink(link)) === linkTarget(path, id);
    } catch {
      return false;
    }
  }

  /** Marks the snapshot as used now (`hub ls` and `hub gc` read it as the last use). */
  async touch(commit: string): Promise<void> {
    const now = new Date();
    try {
      await utimes(this.snapshotDir(commit), now, now);
    } catch {
      // Nothing to touch.
    }
  }

  async remove(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
    await rm(this.locksDir, { recursive: true, force: true });
  }
}
