import { access, readdir, readlink, rm, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { ModelhubError, hashFile, parseModelRef, repoId } from '@modelhub/core';

import { resolveClientConfig, type ClientConfig, type ClientOptions } from '../config/client-config.ts';
import { BlobIntegrity } from '../cache/blob-integrity.ts';
import { RepoCache, repoFolderName } from '../cache/repo-cache.ts';
import { scanCache, type CachedRepo } from '../cache/scan-cache.ts';
import { MetadataCache } from '../metadata/metadata-cache.ts';
import { resolveAlias } from '../resolve/resolve-model.ts';
import { pull } from '../pull/pull.ts';
import type { PullOptions } from '../pull/pull-types.ts';

export interface VerifyOptions extends ClientOptions {
  /** Only this model (`ns/name` or a cached alias); default every cached model of the endpoint. */
  readonly model?: string | undefined;
  /** Re-download corrupt or missing files from the registry. */
  readonly repair?: boolean | undefined;
  readonly onFile?: ((info: { repo: string; blob: string; ok: boolean }) => void) | undefined;
  readonly tuning?: PullOptions['tuning'];
  readonly onRequest?: PullOptions['onRequest'];
}

export interface VerifyProblem {
  readonly repo: string;
  readonly kind: 'corrupt' | 'missing';
  readonly blob: string;
  /** Snapshot entries that point to the blob. */
  readonly paths: readonly { commit: string; path: string }[];
  repaired: boolean;
}

export interface VerifyReport {
  readonly endpoint: string;
  readonly cacheRoot: string;
  readonly repos: number;
  readonly blobs: number;
  readonly bytes: number;
  readonly problems: readonly VerifyProblem[];
  /** True when nothing is left broken (after repair, if asked). */
  readonly ok: boolean;
}

async function linksOf(repo: CachedRepo): Promise<{ commit: string; path: string; blob: string }[]> {
  const out: { commit: string; path: string; blob: string }[] = [];
  for (const snapshot of repo.snapshots) {
    const root = join(repo.dir, 'snapshots', snapshot.commit);
    const walk = async (dir: string, prefix: string): Promise<void> => {
      for (const entry of await readdir(dir, { withFileTypes: true }).catch(() => [])) {
        const full = join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full, `${prefix}${entry.name}/`);
        } else if (entry.isSymbolicLink()) {
          const target = resolve(dirname(full), await readlink(full));
          out.push({
            commit: snapshot.commit,
            path: `${prefix}${entry.name}`,
            blob: target.slice(target.lastIndexOf('/') + 1),
          });
        }
      }
    };
    await walk(root, '');
  }
  return out;
}

/**
 * The repository `model` names, as `hub verify` and `hub rm` take it: `ns/name` as it is, an alias
 * as the metadata cache last resolved it (the registry is not asked: NOT_IN_CACHE otherwise).
 */
async function cachedRepoOf(model: string, config: ClientConfig): Promise<string> {
  const ref = parseModelRef(model);
  if (ref.kind === 'repo') {
    return repoId(ref);
  }
  const meta = new MetadataCache(config.cacheRoot);
  try {
    return (await resolveAlias(ref.alias, config.endpoint, undefined, meta)).repo;
  } finally {
    await meta.close();
  }
}

/**
 * Re-hashes cached blobs (sha256 for LFS blobs, git sha1 for the rest, as named) and checks that
 * every snapshot entry points to a present blob. With `repair`, broken blobs are deleted and
 * downloaded again (verified) from the registry.
 */
export async function verifyCache(options: VerifyOptions = {}): Promise<VerifyReport> {
  const config = resolveClientConfig(options);
  const only = options.model === undefined ? undefined : await cachedRepoOf(options.model, config);
  const repos = (await scanCache(config.cacheRoot)).filter((r) => only === undefined || r.repo === only);
  if (only !== undefined && repos.length === 0) {
    throw new ModelhubError('NOT_IN_CACHE', `${only} is not in the cache ${config.cacheRoot}.`, {
      hint: 'hub ls lists the cached models.',
      details: { repo: only, cacheRoot: config.cacheRoot },
    });
  }
  const problems: VerifyProblem[] = [];
  // Blobs found intact are recorded, so the next load trusts them without a re-hash.
  const integrity = new BlobIntegrity();
  let blobs = 0;
  let bytes = 0;
  for (const repo of repos) {
    const repoCache = new RepoCache(config.cacheRoot, repo.repo);
    const links = await linksOf(repo);
    const ids = new Set([...repo.snapshots.flatMap((s) => s.blobs)]);
    for (const name of await readdir(join(repo.dir, 'blobs')).catch(() => [])) {
      if (/^[0-9a-f]{40}$|^[0-9a-f]{64}$/.test(name)) {
        ids.add(name);
      }
    }
    for (const id of ids) {
      const path = join(repo.dir, 'blobs', id);
      const paths = links.filter((l) => l.blob === id).map(({ commit, path: p }) => ({ commit, path: p }));
      try {
        await access(path);
      } catch {
        problems.push({ repo: repo.repo, kind: 'missing', blob: id, paths, repaired: false });
        options.onFile?.({ repo: repo.repo, blob: id, ok: false });
        continue;
      }
      const hashes = await hashFile(path);
      blobs += 1;
      bytes += hashes.size;
      const ok = id.length === 64 ? hashes.sha256 === id : hashes.gitSha1 === id;
      options.onFile?.({ repo: repo.repo, blob: id, ok });
      if (ok) {
        await integrity.recordVerified(repoCache, id);
      } else {
        problems.push({ repo: repo.repo, kind: 'corrupt', blob: id, paths, repaired: false });
        if (options.repair === true) {
          await unlink(path).catch(() => undefined);
        }
      }
    }
  }
  await integrity.close();
  if (options.repair === true) {
    for (const problem of problems) {
      const byCommit = new Map<string, string[]>();
      for (const p of problem.paths) {
        byCommit.set(p.commit, [...(byCommit.get(p.commit) ?? []), p.path]);
      }
      for (const [commit, paths] of byCommit) {
        await pull(`${problem.repo}@${commit}`, {
          ...options,
          endpoint: config.endpoint,
          include: paths.map((p) => p.replace(/[*?[\]{}!]/g, '?')),
        });
      }
      problem.repaired = byCommit.size > 0;
    }
  }
  return {
    endpoint: config.endpoint,
    cacheRoot: config.cacheRoot,
    repos: repos.length,
    blobs,
    bytes,
    problems,
    ok: problems.every((p) => p.repaired),
  };
}

/** Removes a model's folder and locks from the cache; false if it was not cached. */
export async function removeModel(
  model: string,
  options: ClientOptions = {},
): Promise<{ repo: string; removed: boolean; dir: string }> {
  const config = resolveClientConfig(options);
  const repo = await cachedRepoOf(model, config);
  const dir = join(config.cacheRoot, repoFolderName(repo));
  const existed = await stat(dir).then(
    () => true,
    () => false,
  );
  await rm(dir, { recursive: true, force: true });
  await rm(join(config.cacheRoot, '.locks', repoFolderName(repo)), { recursive: true, force: true });
  return { repo, removed: existed, dir };
}
