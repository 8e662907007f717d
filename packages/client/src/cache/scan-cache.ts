import { lstat, readdir, readFile, readlink, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';

import { repoFromFolderName } from './repo-cache.ts';

export interface CachedSnapshot {
  readonly commit: string;
  readonly files: number;
  /** The last pull that used this snapshot. */
  readonly lastUsed: Date;
  /** Blob ids the snapshot links to. */
  readonly blobs: readonly string[];
}

export interface CachedRepo {
  readonly repo: string;
  readonly dir: string;
  /** Bytes of the verified blobs. */
  readonly sizeBytes: number;
  /** Bytes of unfinished downloads. */
  readonly partialBytes: number;
  readonly blobs: number;
  readonly refs: Readonly<Record<string, string>>;
  readonly snapshots: readonly CachedSnapshot[];
  readonly lastUsed: Date;
}

async function listDir(dir: string): Promise<string[]> {
  try {
    return await readdir(dir);
  } catch {
    return [];
  }
}

async function walkLinks(dir: string): Promise<string[]> {
  const out: string[] = [];
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      out.push(...(await walkLinks(full)));
    } else if (entry.isSymbolicLink()) {
      out.push(full);
    }
  }
  return out;
}

async function readRefs(dir: string, prefix = ''): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) {
      Object.assign(out, await readRefs(full, `${prefix}${entry.name}/`));
    } else if (!entry.name.endsWith('.tmp')) {
      out[`${prefix}${entry.name}`] = (await readFile(full, 'utf8')).trim();
    }
  }
  return out;
}

/** Reads one `models--ns--name` folder. */
export async function scanRepo(root: string, folder: string): Promise<CachedRepo | undefined> {
  const repo = repoFromFolderName(folder);
  if (repo === undefined) {
    return undefined;
  }
  const dir = join(root, folder);
  let sizeBytes = 0;
  let partialBytes = 0;
  let blobs = 0;
  for (const name of await listDir(join(dir, 'blobs'))) {
    const s = await lstat(join(dir, 'blobs', name)).catch(() => undefined);
    if (s === undefined || !s.isFile()) {
      continue;
    }
    if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(name)) {
      sizeBytes += s.size;
      blobs += 1;
    } else if (name.endsWith('.partial') || name.endsWith('.incomplete')) {
      partialBytes += s.blocks * 512;
    }
  }
  const snapshots: CachedSnapshot[] = [];
  for (const commit of await listDir(join(dir, 'snapshots'))) {
    const snapDir = join(dir, 'snapshots', commit);
    const links = await walkLinks(snapDir);
    const ids = await Promise.all(links.map(async (l) => basename(await readlink(l))));
    const s = await stat(snapDir).catch(() => undefined);
    snapshots.push({ commit, files: links.length, lastUsed: s?.mtime ?? new Date(0), blobs: ids });
  }
  const lastUsed = snapshots.reduce((d, s) => (s.lastUsed > d ? s.lastUsed : d), new Date(0));
  return {
    repo,
    dir,
    sizeBytes,
    partialBytes,
    blobs,
    refs: await readRefs(join(dir, 'refs')),
    snapshots,
    lastUsed,
  };
}

/** Every cached model repository under a cache root, most recently used first. */
export async function scanCache(root: string): Promise<CachedRepo[]> {
  const repos: CachedRepo[] = [];
  for (const folder of await listDir(root)) {
    if (folder.startsWith('models--')) {
      const repo = await scanRepo(root, folder);
      if (repo !== undefined) {
        repos.push(repo);
      }
    }
  }
  return repos.sort((a, b) => b.lastUsed.getTime() - a.lastUsed.getTime());
}
