import { statSync, type BigIntStats } from 'node:fs';
import { lstat, mkdir, readFile, readlink, readdir, stat, statfs, unlink } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve } from 'node:path';

import {
  ModelhubError,
  assertSafeRepoPath,
  blobIdOf,
  gitBlobSha1,
  isCommitSha,
  isModelhubError,
  parseModelRef,
  repoId,
  sha256,
  type FileEntry,
} from '@modelhub/core';

import { importedEndpointOf, importsFile } from '../bundle/imported-models.ts';
import {
  encodePath,
  encodeRevision,
  fetchModelInfo,
  fetchTree,
  type ModelInfo,
  type TreeEntry,
} from '../api/hub-api.ts';
import { cacheRootFor, resolveClientConfig, type ClientConfig } from '../config/client-config.ts';
import { BlobIntegrity } from '../cache/blob-integrity.ts';
import { asDiskFullError } from '../cache/disk-full.ts';
import { formatBytes } from '../cache/parse-size.ts';
import { acquireLock } from '../cache/file-lock.ts';
import { RepoCache } from '../cache/repo-cache.ts';
import { BandwidthLimit } from '../http/bandwidth-limit.ts';
import { HubHttp } from '../http/hub-http.ts';
import { findLocked, readLockfile, writeLockedModel, type LockedModel } from '../lockfile/lockfile.ts';
import { MetadataCache } from '../metadata/metadata-cache.ts';
import { ProgressTracker } from '../progress/progress-tracker.ts';
import { resolveAlias, withRepoSuggestion } from '../resolve/resolve-model.ts';
import { didYouMean } from '../resolve/suggest.ts';
import { globMatcher, selectFiles } from '../select/select-files.ts';
import { downloadBlob, partialPaths, type BlobSpec } from '../transfer/download-blob.ts';
import { Limiter } from '../transfer/limiter.ts';
import { SocketPool } from '../transfer/socket-pool.ts';
import type { PlannedFile, PullOptions, PullResult } from './pull-types.ts';
import { copyToLocalDir } from './local-dir.ts';
import { installSmallFiles, isSmallFile } from './small-files.ts';

/** Tree entries (files) as domain file entries; refuses unsafe paths. */
export function treeToFiles(entries: readonly TreeEntry[]): FileEntry[] {
  return entries.map((e) => {
    const path = assertSafeRepoPath(e.path);
    if (e.lfs !== undefined && e.lfs !== null) {
      return {
        path,
        size: e.lfs.size,
        sha256: e.lfs.oid,
        lfs: true,
        ...(e.oid !== undefined && /^[0-9a-f]{40}$/.test(e.oid) ? { gitOid: e.oid } : {}),
      };
    }
    if (e.oid === undefined || !/^[0-9a-f]{40}$/.test(e.oid)) {
      throw new ModelhubError(
        'HTTP_ERROR',
        `The registry listed ${path} without a git oid, so it cannot be verified.`,
        {
          details: { path },
        },
      );
    }
    return { path, size: e.size ?? 0, gitOid: e.oid, lfs: false };
  });
}

/** The hash a file is verified against. */
export function blobSpecOf(file: FileEntry): BlobSpec {
  return { id: blobIdOf(file), size: file.size, algo: file.lfs ? 'sha256' : 'git-sha1' };
}

/** A file's resolve URL at a commit. */
export function resolveUrl(endpoint: string, repo: string, commit: string, path: string): string {
  return `${endpoint}/${repo}/resolve/${encodeRevision(commit)}/${encodePath(path)}`;
}

/** Free bytes on the disk that holds (or will hold) `dir`, creating nothing (a dry run asks). */
async function freeBytes(dir: string): Promise<number | undefined> {
  for (let at = dir; ; at = dirname(at)) {
    try {
      const s = await statfs(at);
      return s.bavail * s.bsize;
    } catch {
      if (dirname(at) === at) {
        return undefined;
      }
    }
  }
}

/**
 * Warns, as huggingface_hub does, when the files to download are larger than the free space of
 * the cache's disk. Only a warning: free space as statfs reports it misleads on compressed or
 * quota'd file systems, and a pull that does fill the disk stops with DISK_FULL and resumes.
 */
async function warnIfDiskShort(
  cache: RepoCache,
  missing: readonly FileEntry[],
  onWarning: ClientConfig['onWarning'],
): Promise<void> {
  if (missing.length === 0) {
    return;
  }
  // What an interrupted pull already wrote is on the disk: only the rest still needs room.
  let needed = 0;
  for (const file of missing) {
    const partial = await stat(partialPaths(cache.blobPath(blobIdOf(file))).partial).catch(() => undefined);
    needed += Math.max(0, file.size - Math.min(file.size, (partial?.blocks ?? 0) * 512));
  }
  const free = await freeBytes(cache.root);
  if (free !== undefined && free < needed) {
    onWarning({
      code: 'DISK_SPACE_LOW',
      message:
        `this pull downloads ${formatBytes(needed)} but the disk holding ${cache.root} has ${formatBytes(free)} free; ` +
        'it will stop with DISK_FULL when the disk fills (free some space, or pull into --cache-dir on a larger disk; the pull then resumes).',
    });
  }
}

/** A blob in the cache with the expected size (a cheap check; `hub verify` re-hashes). */
async function blobPresent(cache: RepoCache, file: FileEntry): Promise<boolean> {
  return (await blobStats(cache, file)) !== undefined;
}

/** `blobPresent`, with the blob's stat (bigint, as the integrity check reads it) when present. */
async function blobStats(cache: RepoCache, file: FileEntry): Promise<BigIntStats | undefined> {
  const path = cache.blobPath(blobIdOf(file));
  let stats: BigIntStats | undefined;
  try {
    // Synchronous: one cheap system call, where the promise form costs a thread-pool round trip
    // per file (a cached 300-file model is 300 of them on every warm pull).
    stats = statSync(path, { bigint: true, throwIfNoEntry: false });
  } catch {
    return undefined;
  }
  if (stats === undefined) {
    return undefined;
  }
  if (stats.size === BigInt(file.size)) {
    return stats;
  }
  await unlink(path).catch(() => undefined);
  return undefined;
}

/** The files of a snapshot folder, from its symlinks (offline fallback when no trees/<commit>.json). */
async function filesFromSnapshot(cache: RepoCache, commit: string): Promise<FileEntry[] | undefined> {
  const root = cache.snapshotDir(commit);
  const out: FileEntry[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = join(dir, entry.name);
      if (entry.isDirectory()) {
        await walk(full);
      } else if (entry.isSymbolicLink()) {
        const id = basename(await readlink(full));
        const size = (await stat(full).catch(() => undefined))?.size ?? 0;
        const path = relative(root, full).split('\\').join('/');
        out.push(
          /^[0-9a-f]{64}$/.test(id)
            ? { path, size, sha256: id, lfs: true }
            : { path, size, gitOid: id, lfs: false },
        );
      }
    }
  };
  try {
    await walk(root);
  } catch {
    return undefined;
  }
  return out;
}

interface Session {
  readonly config: ClientConfig;
  readonly options: PullOptions;
  readonly http: HubHttp | undefined;
  readonly tracker: ProgressTracker;
  readonly connections: Limiter;
  readonly sockets: SocketPool | undefined;
  /** Checks cached blobs before they are used and records the ones this pull verifies. */
  readonly integrity: BlobIntegrity;
}

/**
 * Downloads (or finds in the cache) a model and returns its snapshot folder. Resolves aliases and
 * revisions, lists the commit's files (cached in `trees/<commit>.json`), selects what a runtime
 * needs, downloads what is missing in parallel with verification, links the snapshot and writes
 * the ref last. A warm pull of a cached commit makes at most one request (zero for a commit sha
 * or with `frozen`); `offline` makes none.
 */
export async function pull(ref: string, options: PullOptions = {}): Promise<PullResult> {
  try {
    return await pullOnce(ref, options);
  } catch (error) {
    const imported = isModelhubError(error) && error.code === 'NOT_IN_CACHE' && options.frozen !== true;
    const endpoint = imported ? await importedElsewhere(ref, options) : undefined;
    if (endpoint === undefined) {
      throw error;
    }
    return pullOnce(ref, { ...options, endpoint });
  }
}

/**
 * Offline, a model that is not in the configured registry's cache may have come in a bundle from
 * another registry (`hub bundle import` records where): that registry's cache is used instead. A
 * reference that names its registry (`https://host/ns/name`) is looked for there only.
 */
async function importedElsewhere(ref: string, options: PullOptions): Promise<string | undefined> {
  const parsed = parseModelRef(ref);
  const config = resolveClientConfig(options);
  if (!config.offline || (parsed.kind === 'repo' && parsed.endpoint !== undefined)) {
    return undefined;
  }
  return importedEndpointOf(
    importsFile(options.cacheDir, config.env),
    parsed.kind === 'alias' ? { alias: parsed.alias } : { repo: repoId(parsed) },
    config.endpoint,
  );
}

async function pullOnce(ref: string, options: PullOptions): Promise<PullResult> {
  const parsed = parseModelRef(ref);
  const config = resolveClientConfig({
    ...options,
    endpoint: (parsed.kind === 'repo' ? parsed.endpoint : undefined) ?? options.endpoint,
  });
  const bandwidth =
    options.limitRate === undefined || options.limitRate instanceof BandwidthLimit
      ? options.limitRate
      : new BandwidthLimit(options.limitRate);
  const http = config.offline
    ? undefined
    : HubHttp.forConfig(config, {
        retry: options.tuning?.retry,
        connections: options.tuning?.maxConnections,
        onRequest: options.onRequest,
        bandwidth,
      });
  const session: Session = {
    config,
    options,
    http,
    tracker: new ProgressTracker(options.onProgress),
    connections: new Limiter(options.tuning?.maxConnections ?? 16),
    // The raw-socket paths save CPU at full speed; under a bandwidth limit undici paces every body.
    sockets:
      http !== undefined &&
      bandwidth === undefined &&
      config.endpoint.startsWith('http:') &&
      options.tuning?.smallFileSockets !== false
        ? new SocketPool(config.endpoint)
        : undefined,
    integrity: new BlobIntegrity(),
  };
  try {
    const result =
      options.frozen === true
        ? await pullFrozen(ref, parsed.kind === 'repo' ? repoId(parsed) : undefined, session)
        : await pullResolved(ref, parsed, session);
    if (options.localDir === undefined || result.dryRun) {
      return result;
    }
    return { ...result, localDir: await copyToLocalDir(result, resolve(options.localDir)) };
  } catch (error) {
    // The blob writers code their own ENOSPC; the metadata store, locks, trees and links do not.
    throw asDiskFullError(error, config.cacheRoot);
  } finally {
    session.sockets?.close();
    await session.integrity.close();
    await http?.close();
  }
}

async function pullFrozen(ref: string, repo: string | undefined, session: Session): Promise<PullResult> {
  const { options, config } = session;
  if (options.lockfile === undefined) {
    throw new ModelhubError('INVALID_ARGUMENT', '--frozen needs a lockfile (--lock FILE).', {
      hint: 'Pass --lock modelhub.lock.',
    });
  }
  const lock = await readLockfile(options.lockfile, true);
  const locked = findLocked(lock, ref.trim(), repo, config.endpoint);
  if (locked === undefined) {
    throw new ModelhubError('LOCKFILE_DRIFT', `${ref} is not in the lockfile ${options.lockfile}.`, {
      hint: 'Run hub pull MODEL --lock FILE without --frozen to add it.',
      details: { ref, lockfile: options.lockfile, locked: Object.keys(lock.models) },
    });
  }
  if (locked.endpoint !== config.endpoint) {
    throw new ModelhubError(
      'LOCKFILE_DRIFT',
      `The lockfile pins ${ref} to ${locked.endpoint}, not ${config.endpoint}.`,
      {
        hint: 'Use the lockfile endpoint, or re-lock without --frozen.',
        details: { locked: locked.endpoint, endpoint: config.endpoint },
      },
    );
  }
  const cache = new RepoCache(cacheRootFor(locked.endpoint, options.cacheDir, config.env), locked.repo);
  session.tracker.event({
    type: 'resolved',
    endpoint: locked.endpoint,
    repo: locked.repo,
    revision: locked.revision,
    commit: locked.commit,
    via: 'lockfile',
  });
  return installFiles(
    session,
    cache,
    locked.repo,
    locked.revision,
    locked.commit,
    locked.files,
    'lockfile',
    false,
  );
}

async function pullResolved(
  ref: string,
  parsed: ReturnType<typeof parseModelRef>,
  session: Session,
): Promise<PullResult> {
  const { config, options, http } = session;
  const signal = options.signal;
  const meta = new MetadataCache(config.cacheRoot, options.tuning?.metadataTtls, {
    readOnly: options.dryRun === true,
  });
  try {
    let repo: string;
    let via: PullResult['via'] = 'name';
    let revision = parsed.revision ?? options.revision;
    if (parsed.kind === 'alias') {
      const resolved = await resolveAlias(parsed.alias, config.endpoint, http, meta, signal);
      repo = resolved.repo;
      via = resolved.via;
      revision ??= resolved.revision;
    } else {
      repo = repoId(parsed);
    }
    revision ??= 'main';
    const cache = new RepoCache(config.cacheRoot, repo);
    const { commit, cached, listed } = await resolveCommit(session, meta, cache, repo, revision);
    session.tracker.event({ type: 'resolved', endpoint: config.endpoint, repo, revision, commit, via });
    let files = cached ?? (await cache.readTree(commit));
    // The tree file is written while the files download (nothing before the end needs it).
    let treeWritten: Promise<void> = Promise.resolve();
    if (files === undefined) {
      if (http === undefined) {
        files = await filesFromSnapshot(cache, commit);
        if (files === undefined) {
          throw notInCache(`the file list of ${repo}@${commit}`, config.endpoint);
        }
      } else {
        files = treeToFiles(listed ?? (await fetchTree(http, repo, commit, signal)));
        treeWritten = options.dryRun === true ? Promise.resolve() : cache.writeTree(commit, files);
        treeWritten.catch(() => undefined); // Awaited below; this only keeps an early failure handled.
      }
    }
    const all = files;
    await checkLiteralIncludes(cache, commit, all, options.include);
    const selected = await selectFiles(all, options, async (path) => {
      const file = all.find((f) => f.path === path);
      if (file === undefined) {
        throw new ModelhubError('ENTRY_NOT_FOUND', `${path} is not in ${repo}@${commit}.`);
      }
      if (options.dryRun === true) {
        // A dry run downloads nothing into the cache: a manifest it must read is read in memory.
        return readWithoutCaching(session, cache, repo, commit, file);
      }
      await installFiles(session, cache, repo, undefined, commit, [file], via, false);
      return readFile(cache.snapshotPath(commit, path), 'utf8');
    });
    if (selected.length === 0) {
      throw new ModelhubError('ENTRY_NOT_FOUND', `No file of ${repo}@${commit} matches the selection.`, {
        hint: `The repository has: ${all
          .slice(0, 10)
          .map((f) => f.path)
          .join(', ')}${all.length > 10 ? ', …' : ''}.`,
        details: { include: options.include, exclude: options.exclude },
      });
    }
    const result = await installFiles(
      session,
      cache,
      repo,
      revision,
      commit,
      selected,
      via,
      options.dryRun === true,
    );
    if (options.dryRun !== true && options.lockfile !== undefined) {
      const locked: LockedModel = {
        endpoint: config.endpoint,
        repo,
        ...(isCommitSha(revision) ? {} : { revision }),
        commit,
        files: selected,
      };
      await writeLockedModel(options.lockfile, ref.trim(), locked);
    }
    await treeWritten;
    return result;
  } finally {
    await meta.close();
  }
}

/**
 * A small file the selection reads (a TF.js `model.json`), for a dry run: from the snapshot when
 * cached, else fetched into memory and checked against its hash, never written.
 */
async function readWithoutCaching(
  session: Session,
  cache: RepoCache,
  repo: string,
  commit: string,
  file: FileEntry,
): Promise<string> {
  const cached = await readFile(cache.snapshotPath(commit, file.path), 'utf8').catch(() => undefined);
  if (cached !== undefined) {
    return cached;
  }
  const { http, config, options } = session;
  if (http === undefined) {
    throw notInCache(`${repo}/${file.path}`, config.endpoint);
  }
  const res = await http.sendWithRetry(
    { method: 'GET', url: resolveUrl(config.endpoint, repo, commit, file.path), signal: options.signal },
    { repo, path: file.path },
  );
  const bytes = new Uint8Array(await res.body.arrayBuffer());
  const actual = file.lfs ? sha256(bytes) : gitBlobSha1(bytes);
  if (actual !== blobIdOf(file)) {
    throw new ModelhubError('INTEGRITY_MISMATCH', `${repo}/${file.path} does not match its hash.`, {
      hint: 'The registry sent other bytes than it lists; try again, or report it to the registry.',
      details: { repo, path: file.path, expected: blobIdOf(file), actual },
    });
  }
  return new TextDecoder().decode(bytes);
}

/**
 * The commit a revision names, from the metadata cache while fresh (with the cached file list it
 * read to know the snapshot is complete, `cached`), else asked of the registry. A revision this cache never pulled is asked with `?blobs=true`: the answer then also lists
 * the commit's files (`listed`), and a first pull needs no tree request (one round trip less; on
 * huggingface.co ~100 ms). A revision pulled before is asked plainly: its files are most likely
 * cached, and the plain answer is smaller.
 */
async function resolveCommit(
  session: Session,
  meta: MetadataCache,
  cache: RepoCache,
  repo: string,
  revision: string,
): Promise<{ commit: string; cached?: FileEntry[] | undefined; listed?: TreeEntry[] | undefined }> {
  if (isCommitSha(revision)) {
    return { commit: revision };
  }
  const { http, config, options } = session;
  const key = `revision:${config.endpoint}:${repo}:${revision}`;
  if (http === undefined) {
    const commit = (await cache.readRef(revision)) ?? (await meta.get<string>(key, Infinity));
    if (commit === undefined) {
      throw notInCache(`${repo}@${revision}`, config.endpoint);
    }
    return { commit };
  }
  const fresh = await meta.get<string>(key, meta.ttls.revision);
  const cached = fresh === undefined ? undefined : await cache.readTree(fresh);
  if (fresh !== undefined && cached !== undefined) {
    return { commit: fresh, cached };
  }
  const pulledBefore = (await cache.readRef(revision)) !== undefined;
  let info;
  try {
    info = await fetchModelInfo(http, repo, revision, options.signal, { blobs: !pulledBefore });
  } catch (error) {
    if (isModelhubError(error) && error.code === 'REVISION_NOT_FOUND') {
      throw await withRevisionSuggestion(error, http, repo, revision);
    }
    throw await withRepoSuggestion(error, repo, http, options.signal);
  }
  if (info.sha === undefined) {
    throw new ModelhubError('HTTP_ERROR', `The registry did not say which commit ${repo}@${revision} is.`, {
      hint: 'The registry must return "sha" from /api/models/{repo}/revision/{rev}.',
    });
  }
  await meta.set(key, info.sha);
  return { commit: info.sha, listed: siblingsAsTree(info.siblings) };
}

/**
 * The files of a `?blobs=true` model info as tree entries; undefined unless every sibling came
 * with its blob id and size (a registry that ignores `blobs`: the tree is asked for instead).
 */
export function siblingsAsTree(siblings: ModelInfo['siblings']): TreeEntry[] | undefined {
  if (siblings === undefined) {
    return undefined;
  }
  const entries: TreeEntry[] = [];
  for (const s of siblings) {
    if (s.blobId === undefined || s.size === undefined) {
      return undefined;
    }
    entries.push({
      type: 'file',
      path: s.rfilename,
      oid: s.blobId,
      size: s.size,
      ...(s.lfs === undefined || s.lfs === null ? {} : { lfs: { oid: s.lfs.sha256, size: s.lfs.size } }),
    });
  }
  return entries;
}

async function withRevisionSuggestion(
  error: ModelhubError,
  http: HubHttp,
  repo: string,
  revision: string,
): Promise<ModelhubError> {
  try {
    const res = await http.send({
      method: 'GET',
      url: http.url(`/api/models/${repo}/refs`),
      headers: { accept: 'application/json' },
    });
    if (res.status !== 200) {
      await res.body.dump();
      return error;
    }
    const json = (await res.body.json()) as { branches?: { name?: unknown }[]; tags?: { name?: unknown }[] };
    const names = [...(json.branches ?? []), ...(json.tags ?? [])]
      .map((b) => b.name)
      .filter((n): n is string => typeof n === 'string');
    const hint =
      didYouMean(revision, names) ??
      (names.length > 0 ? `Known refs: ${names.slice(0, 10).join(', ')}.` : undefined);
    return hint === undefined
      ? error
      : new ModelhubError(error.code, `The revision ${revision} of ${repo} does not exist.`, {
          hint,
          details: error.details,
        });
  } catch {
    return error;
  }
}

function notInCache(what: string, endpoint: string, missing?: readonly string[]): ModelhubError {
  return new ModelhubError(
    'NOT_IN_CACHE',
    `Offline, and ${what} is not in the cache${missing === undefined || missing.length === 0 ? '' : `: missing ${missing.slice(0, 10).join(', ')}${missing.length > 10 ? ', …' : ''}`}.`,
    {
      hint: 'Pull it once online (or import a bundle with hub bundle import), then retry offline.',
      details: { endpoint, ...(missing === undefined ? {} : { missing }) },
    },
  );
}

/** A literal `--include` path (no glob characters) that the commit lacks is an error with a suggestion. */
async function checkLiteralIncludes(
  cache: RepoCache,
  commit: string,
  files: readonly FileEntry[],
  include: readonly string[] | undefined,
): Promise<void> {
  for (const pattern of include ?? []) {
    if (/[*?[\]{}!]/.test(pattern) || files.some((f) => f.path === pattern) || globMatcher([pattern])('')) {
      continue;
    }
    if (files.some((f) => globMatcher([pattern])(f.path))) {
      continue;
    }
    await cache.markNoExist(commit, pattern).catch(() => undefined);
    throw new ModelhubError('ENTRY_NOT_FOUND', `${pattern} does not exist in ${cache.repo}@${commit}.`, {
      hint:
        didYouMean(
          pattern,
          files.map((f) => f.path),
        ) ?? 'List the files with hub info MODEL.',
      details: { repo: cache.repo, commit, path: pattern },
    });
  }
}

/**
 * Makes `files` present and linked in `snapshots/<commit>/`: missing blobs are downloaded (one
 * process per blob, under its lock), verified and renamed into `blobs/`; then the ref is written.
 */
async function installFiles(
  session: Session,
  cache: RepoCache,
  repo: string,
  revision: string | undefined,
  commit: string,
  files: readonly FileEntry[],
  via: PullResult['via'],
  dryRun: boolean,
): Promise<PullResult> {
  const { config, options, tracker, http } = session;
  const present = await presentBlobs(cache, files);
  const planned: PlannedFile[] = files.map((file) => ({ ...file, cached: present.has(blobIdOf(file)) }));
  const totalBytes = planned.reduce((n, f) => n + f.size, 0);
  const cachedBytes = planned.filter((f) => f.cached).reduce((n, f) => n + f.size, 0);
  const plan = {
    files: planned,
    totalBytes,
    cachedBytes,
    downloadBytes: totalBytes - cachedBytes,
    freeBytes: dryRun ? await freeBytes(cache.root) : undefined,
  };
  const result = (downloadedBytes: number, resumedBytes = 0): PullResult => ({
    endpoint: config.endpoint,
    repo,
    revision: revision !== undefined && !isCommitSha(revision) ? revision : undefined,
    commit,
    dir: cache.snapshotDir(commit),
    files: files.map((f) => ({ ...f })),
    via,
    dryRun,
    plan,
    downloadedBytes,
    resumedBytes,
  });
  if (dryRun) {
    return result(0);
  }
  tracker.event({
    type: 'plan',
    files: planned.length,
    totalBytes,
    cachedBytes,
    downloadBytes: plan.downloadBytes,
  });
  const missing = planned.filter((f) => !f.cached);
  if (missing.length > 0 && http === undefined) {
    throw notInCache(
      `${repo}@${commit}`,
      config.endpoint,
      missing.map((f) => f.path),
    );
  }
  // A cached blob is checked against its hash before anything uses it (cheap when the file is
  // as it was at its last verification); a corrupt one stops the pull with the repair command.
  await session.integrity.checkAll(
    cache,
    planned
      .filter((f) => f.cached)
      .map((f) => ({ id: blobIdOf(f), path: f.path, stats: present.get(blobIdOf(f)) })),
  );
  await warnIfDiskShort(cache, missing, config.onWarning);
  tracker.setTotal(plan.downloadBytes);
  // Every folder once (while the lock is taken and the first requests run); then one symlink per
  // file as soon as its blob is verified.
  const dirsReady = cache.prepareSnapshot(
    commit,
    planned.map((f) => f.path),
  );
  const blobsReady: Promise<void> =
    missing.length > 0 ? mkdir(cache.blobsDir, { recursive: true }).then(() => undefined) : Promise.resolve();
  // Both are awaited by every task that needs them; these only keep an early failure handled.
  dirsReady.catch(() => undefined);
  blobsReady.catch(() => undefined);
  const link = async (file: FileEntry, cached: boolean): Promise<void> => {
    await dirsReady;
    await cache.linkSnapshot(commit, file.path, blobIdOf(file));
    tracker.event({ type: 'file', path: file.path, size: file.size, cached });
  };
  let downloaded = 0;
  let resumed = 0;
  const small = missing.filter((f) => isSmallFile(f.size, options.tuning));
  const large = missing.filter((f) => !isSmallFile(f.size, options.tuning));
  const filesLimiter = new Limiter(options.tuning?.concurrentFiles ?? 8);
  const tasks: Promise<unknown>[] = [
    dirsReady.then(() => blobsReady),
    ...planned.filter((f) => f.cached).map((f) => link(f, true)),
  ];
  if (http !== undefined) {
    tasks.push(
      installSmallFiles(
        {
          http,
          cache,
          commit,
          tracker,
          connections: session.connections,
          sockets: session.sockets,
          tuning: options.tuning,
          signal: options.signal,
          blobsReady,
          specOf: blobSpecOf,
          urlOf: (file) => resolveUrl(http.endpoint, cache.repo, commit, file.path),
          onReady: async (file, fetched) => {
            // A blob another process put there meanwhile is checked like any cached one.
            await (fetched
              ? session.integrity.recordVerified(cache, blobIdOf(file))
              : session.integrity.check(cache, blobIdOf(file), file.path));
            await link(file, false);
          },
        },
        small,
      ).then((bytes) => {
        downloaded += bytes;
      }),
      ...large.map((file) =>
        filesLimiter.run(async () => {
          await blobsReady;
          const bytes = await ensureBlob(session, http, cache, commit, file);
          downloaded += bytes.transferred;
          resumed += bytes.resumed;
          await link(file, false);
        }),
      ),
    );
  }
  const outcomes = await Promise.allSettled(tasks);
  tracker.flush();
  const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === 'rejected');
  if (failure !== undefined) {
    throw failure.reason;
  }
  if (revision !== undefined && !isCommitSha(revision)) {
    await cache.writeRef(revision, commit);
  }
  await cache.touch(commit);
  return result(downloaded, resumed);
}

/**
 * The files' blobs that are in the cache, by id, with their stat (which the integrity check reuses):
 * one directory read, a stat only for those.
 */
async function presentBlobs(
  cache: RepoCache,
  files: readonly FileEntry[],
): Promise<Map<string, BigIntStats>> {
  const names = await cache.listBlobs();
  const present = new Map<string, BigIntStats>();
  await Promise.all(
    files
      .filter((file) => names.has(blobIdOf(file)))
      .map(async (file) => {
        const stats = await blobStats(cache, file);
        if (stats !== undefined) {
          present.set(blobIdOf(file), stats);
        }
      }),
  );
  return present;
}

/**
 * Downloads one blob unless another process already did; returns the bytes transferred and the
 * bytes reused from an interrupted download. The caller has made the `blobs/` folder.
 */
async function ensureBlob(
  session: Session,
  http: HubHttp,
  cache: RepoCache,
  commit: string,
  file: FileEntry,
): Promise<{ transferred: number; resumed: number }> {
  const { options, tracker } = session;
  const spec = blobSpecOf(file);
  const lock = await acquireLock(cache.lockPath(spec.id), {
    staleMs: options.tuning?.lockStaleMs ?? 30_000,
    signal: options.signal,
    onWait: (holder) =>
      tracker.event({
        type: 'wait-lock',
        path: file.path,
        holder: holder === undefined ? undefined : { pid: holder.pid, host: holder.host },
      }),
  });
  let transferred = 0;
  tracker.start(file.path, file.size);
  try {
    if (await blobPresent(cache, file)) {
      // Another process downloaded it while this one waited for the lock.
      await session.integrity.check(cache, spec.id, file.path);
      tracker.add(file.path, file.size);
      return { transferred: 0, resumed: 0 };
    }
    const url = resolveUrl(http.endpoint, cache.repo, commit, file.path);
    for (let attempt = 0; ; attempt += 1) {
      try {
        const { resumedBytes } = await downloadBlob({
          http,
          url,
          spec,
          target: cache.blobPath(spec.id),
          limiter: session.connections,
          tuning: transferTuning(http.endpoint, options.tuning, http.bandwidth !== undefined),
          signal: options.signal,
          context: { repo: cache.repo, revision: commit, path: file.path, endpoint: http.endpoint },
          // Resumed bytes count towards the progress bar, not towards what was transferred.
          onBytes: (n) => {
            transferred += n;
            tracker.add(file.path, n);
          },
          onResumed: (n) => {
            tracker.event({ type: 'resume', path: file.path, bytes: n, size: file.size });
            tracker.addResumed(file.path, n);
          },
        });
        await session.integrity.recordVerified(cache, spec.id);
        return { transferred, resumed: resumedBytes };
      } catch (error) {
        // One fresh retry after a hash mismatch: a flaky proxy or a bad resumed partial.
        if (attempt === 0 && isModelhubError(error) && error.code === 'INTEGRITY_MISMATCH') {
          tracker.event({ type: 'retry', path: file.path, reason: 'integrity mismatch; downloading again' });
          continue;
        }
        throw error;
      }
    }
  } finally {
    tracker.finish(file.path);
    await lock.release();
  }
}

/**
 * Parallel byte ranges beat per-connection limits (TCP windows over long round trips, CDN caps);
 * on loopback there are none, and extra connections only cost CPU, so a loopback registry gets one
 * stream per file unless the caller set the parallelism explicitly.
 */
export function transferTuning(
  endpoint: string,
  tuning: PullOptions['tuning'],
  paced = false,
): PullOptions['tuning'] {
  if (paced) {
    tuning = { ...tuning, socketMinBytes: Number.POSITIVE_INFINITY };
  }
  const host = new URL(endpoint).hostname;
  const loopback = host === 'localhost' || host === '[::1]' || /^127\./.test(host);
  if (!loopback || tuning?.parallelThreshold !== undefined || tuning?.connectionsPerFile !== undefined) {
    return tuning;
  }
  return { ...tuning, parallelThreshold: Number.MAX_SAFE_INTEGER };
}

/** True if a partial download of this file exists (for `hub ls`/`gc`). */
export async function hasPartial(cache: RepoCache, file: FileEntry): Promise<boolean> {
  try {
    await lstat(partialPaths(cache.blobPath(blobIdOf(file))).partial);
    return true;
  } catch {
    return false;
  }
}
