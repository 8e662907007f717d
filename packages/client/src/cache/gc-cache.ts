import { lstat, readdir, readFile, rm, unlink } from 'node:fs/promises';
import { join } from 'node:path';

import { isStale, type LockInfo } from './file-lock.ts';
import { repoFolderName } from './repo-cache.ts';
import { scanCache, type CachedRepo } from './scan-cache.ts';

export interface GcOptions {
  /** Evict least-recently-used snapshots until the cache is at most this many bytes. */
  readonly maxSize?: number | undefined;
  /** Report what would go, delete nothing. */
  readonly dryRun?: boolean | undefined;
  /** Blobs younger than this are kept even if unreferenced (a pull may be linking them; default 10 min). */
  readonly graceMs?: number | undefined;
}

export interface GcReport {
  readonly removedBlobs: number;
  readonly removedPartials: number;
  readonly removedSnapshots: readonly { repo: string; commit: string }[];
  readonly freedBytes: number;
  readonly sizeBefore: number;
  readonly sizeAfter: number;
}

/** True while a live process holds `.locks/models--ns--name/<name>.modelhub.lock`. */
async function lockHeld(root: string, repo: string, name: string): Promise<boolean> {
  try {
    const info = JSON.parse(
      await readFile(join(root, '.locks', repoFolderName(repo), `${name}.modelhub.lock`), 'utf8'),
    ) as LockInfo;
    return !isStale(info, 30_000);
  } catch {
    return false;
  }
}

/** Removes unreferenced blobs and abandoned partial downloads of one repo; returns freed bytes. */
async function sweepRepo(
  root: string,
  repo: CachedRepo,
  graceMs: number,
  dryRun: boolean,
  counts: { blobs: number; partials: number },
): Promise<number> {
  const referenced = new Set(repo.snapshots.flatMap((s) => s.blobs));
  // Small files are written as `<id>.<8 hex>.incomplete` under one lock per repo (see pull).
  const smallFilesHeld = await lockHeld(root, repo.repo, 'small-files');
  let freed = 0;
  let names: string[];
  try {
    names = await readdir(join(repo.dir, 'blobs'));
  } catch {
    return 0;
  }
  for (const name of names) {
    const path = join(repo.dir, 'blobs', name);
    const s = await lstat(path).catch(() => undefined);
    if (s === undefined) {
      continue;
    }
    const id = name
      .replace(/\.partial(\.json)?$/, '')
      .replace(/\.[0-9a-f]{8}\.incomplete$|\.incomplete$/, '');
    const isBlob = /^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(name);
    if (isBlob) {
      if (
        referenced.has(name) ||
        Date.now() - s.mtimeMs < graceMs ||
        (await lockHeld(root, repo.repo, name))
      ) {
        continue;
      }
      counts.blobs += 1;
    } else {
      if ((smallFilesHeld && name.endsWith('.incomplete')) || (await lockHeld(root, repo.repo, id))) {
        continue;
      }
      counts.partials += name.endsWith('.json') ? 0 : 1;
    }
    freed += s.size;
    if (!dryRun) {
      await unlink(path).catch(() => undefined);
    }
  }
  return freed;
}

/**
 * Cleans a cache root: unreferenced blobs, abandoned partial downloads, and (with `maxSize`) the
 * least-recently-used snapshots beyond the size limit, together with the refs and blobs only they used.
 */
export async function gcCache(root: string, options: GcOptions = {}): Promise<GcReport> {
  const graceMs = options.graceMs ?? 10 * 60_000;
  const dryRun = options.dryRun === true;
  const counts = { blobs: 0, partials: 0 };
  let repos = await scanCache(root);
  const sizeBefore = repos.reduce((n, r) => n + r.sizeBytes + r.partialBytes, 0);
  let freed = 0;
  for (const repo of repos) {
    freed += await sweepRepo(root, repo, graceMs, dryRun, counts);
  }
  const removedSnapshots: { repo: string; commit: string }[] = [];
  if (options.maxSize !== undefined) {
    repos = await scanCache(root);
    let size = repos.reduce((n, r) => n + r.sizeBytes, 0);
    const blobSizes = new Map<string, number>();
    const candidates = repos
      .flatMap((r) => r.snapshots.map((s) => ({ repo: r, snapshot: s })))
      .sort((a, b) => a.snapshot.lastUsed.getTime() - b.snapshot.lastUsed.getTime());
    for (const { repo, snapshot } of candidates) {
      if (size <= options.maxSize) {
        break;
      }
      const others = new Set(
        repo.snapshots
          .filter(
            (s) =>
              s.commit !== snapshot.commit &&
              !removedSnapshots.some((r) => r.repo === repo.repo && r.commit === s.commit),
          )
          .flatMap((s) => s.blobs),
      );
      let gain = 0;
      for (const id of new Set(snapshot.blobs)) {
        if (!others.has(id)) {
          const s = await lstat(join(repo.dir, 'blobs', id)).catch(() => undefined);
          gain += s?.size ?? 0;
          blobSizes.set(`${repo.repo}/${id}`, s?.size ?? 0);
          if (!dryRun) {
            await unlink(join(repo.dir, 'blobs', id)).catch(() => undefined);
          }
        }
      }
      if (!dryRun) {
        await rm(join(repo.dir, 'snapshots', snapshot.commit), { recursive: true, force: true });
        await rm(join(repo.dir, 'trees', `${snapshot.commit}.json`), { force: true });
        for (const [name, commit] of Object.entries(repo.refs)) {
          if (commit === snapshot.commit) {
            await rm(join(repo.dir, 'refs', name), { force: true });
          }
        }
      }
      removedSnapshots.push({ repo: repo.repo, commit: snapshot.commit });
      size -= gain;
      freed += gain;
    }
    if (!dryRun) {
      for (const repo of repos) {
        const remaining = await readdir(join(repo.dir, 'snapshots')).catch(() => []);
        if (remaining.length === 0) {
          await rm(repo.dir, { recursive: true, force: true });
        }
      }
    }
  }
  return {
    removedBlobs: counts.blobs,
    removedPartials: counts.partials,
    removedSnapshots,
    freedBytes: freed,
    sizeBefore,
    sizeAfter: sizeBefore - freed,
  };
}
