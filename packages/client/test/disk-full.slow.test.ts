import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, readdir, readlink, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ExitCode, gitBlobSha1, sha256 } from '@modelhub/core';
import {
  mountSmallFilesystem,
  startTestRegistry,
  type SmallFilesystem,
  type TestRegistry,
} from '@modelhub/testing';

import {
  cacheRootFor,
  createBundle,
  pull,
  repoFolderName,
  verifyCache,
  type PullOptions,
} from '../src/index.ts';
import { publish } from './helpers/publish.ts';
import { runChild, type ChildRun } from './helpers/run-child.ts';

// A REAL full disk: the cache lives on a small tmpfs and the model is bigger than the free space.
// Nothing simulates the ENOSPC; the kernel raises it. As root the tmpfs is mounted directly and
// pull() runs in this process; otherwise (and always for the CLI and "already full" cases, so that
// both ways run everywhere) the tmpfs lives in an unprivileged user namespace and the pull runs in
// a child process inside it (SQLite cannot open a database through /proc/<pid>/root).

const KiB = 1024;
const MiB = 1024 * KiB;
const SMALL = 4 * MiB;
const LARGE = 32 * MiB;

const root = resolve(import.meta.dirname, '..', '..', '..');
const hubMain = join(root, 'packages', 'cli', 'src', 'main.ts');
const pullChild = join(import.meta.dirname, 'helpers', 'pull-child.ts');

/**
 * An ONNX model whose weights (10 MiB in one file: the resumable large-file path, which by default
 * receives plain-http bodies of at least 8 MiB on a raw socket) exceed the disk.
 */
const BIG = 'alice/too-big';
const big: Record<string, Buffer> = {
  'model.onnx': randomBytes(10 * MiB),
  'config.json': Buffer.from(JSON.stringify({ model_type: 'too-big', hidden_size: 8 })),
  'README.md': Buffer.from('---\nlibrary_name: onnx\n---\n# too big for the disk\n'),
};

/** A TF.js model of six 1 MiB shards: each takes the small-file path (fetched into memory). */
const SHARDS = 'alice/many-shards';
const shardNames = Array.from({ length: 6 }, (_, i) => `group1-shard${i + 1}of6.bin`);
const shards: Record<string, Buffer> = {
  'model.json': Buffer.from(
    JSON.stringify({
      format: 'layers-model',
      modelTopology: {},
      weightsManifest: [{ paths: shardNames, weights: [] }],
    }),
  ),
  ...Object.fromEntries(shardNames.map((name) => [name, randomBytes(MiB)])),
};

let registry: TestRegistry;
const commits: Record<string, string> = {};
const filesOf: Record<string, Record<string, Buffer>> = { [BIG]: big, [SHARDS]: shards };

beforeAll(async () => {
  registry = await startTestRegistry();
  commits[BIG] = await publish(registry.url, registry.adminToken, BIG, big);
  commits[SHARDS] = await publish(registry.url, registry.adminToken, SHARDS, shards);
  // A new repo starts with the registry's .gitattributes, and a default pull fetches it too.
  for (const repo of [BIG, SHARDS]) {
    const response = await fetch(`${registry.url}/${repo}/resolve/main/.gitattributes`);
    expect(response.status).toBe(200);
    filesOf[repo] = { ...filesOf[repo], '.gitattributes': Buffer.from(await response.arrayBuffer()) };
  }
});

afterAll(async () => {
  await registry.close();
});

/** A cache folder on the small filesystem: `here` for this process, `there` for children. */
interface Cache {
  readonly here: string;
  readonly there: string;
}

let n = 0;
/** A fresh cache folder; earlier ones are removed and the size is reset to SMALL. */
async function freshCache(fs: SmallFilesystem): Promise<Cache> {
  n += 1;
  for (const name of await readdir(fs.dir)) {
    await rm(join(fs.dir, name), { recursive: true, force: true });
  }
  await fs.resize(SMALL);
  return { here: join(fs.dir, `cache-${n}`), there: join(fs.path, `cache-${n}`) };
}

const retry = { retries: 2, baseDelayMs: 1, maxDelayMs: 5 };

/** A coded error as both ways of running report it. */
interface CodedError {
  readonly code: string;
  readonly exitCode: number;
  readonly message: string;
  readonly hint?: string;
}

/** What the tests read from a pull's result. */
interface Pulled {
  readonly commit: string;
  /** The snapshot folder, as this process reaches it. */
  readonly dir: string;
  readonly downloadedBytes: number;
}

/**
 * pull() against the test registry with the cache on `fs`: in this process when it can reach the
 * filesystem, else in a child inside the namespace. Returns the snapshot folder as seen here.
 */
async function runPull(
  fs: SmallFilesystem,
  cache: Cache,
  repo: string,
  tuning: PullOptions['tuning'] = {},
): Promise<Pulled> {
  const options = { endpoint: registry.url, env: {}, tuning: { retry, ...tuning } };
  if (fs.method === 'mount') {
    return pull(repo, { ...options, cacheDir: cache.here });
  }
  const line = fs.command(process.execPath, [
    '--conditions=@modelhub/source',
    pullChild,
    repo,
    JSON.stringify({ ...options, cacheDir: cache.there }),
  ]);
  const run = await spawnRun(line.command, line.args, {});
  let doc: { result?: Pulled; error?: CodedError } = {};
  try {
    doc = JSON.parse(run.stdout) as typeof doc;
  } catch {
    // Reported below with the child's output.
  }
  if (doc.error !== undefined) {
    throw Object.assign(new Error(doc.error.message), doc.error);
  }
  if (doc.result === undefined) {
    throw new Error(`pull-child (exit ${run.code}) printed no result: ${run.stdout} ${run.stderr}`);
  }
  const { commit, dir, downloadedBytes } = doc.result;
  return { commit, dir: seenHere(fs, dir), downloadedBytes };
}

/** A path a child printed, as this process reaches it. */
function seenHere(fs: SmallFilesystem, path: string): string {
  expect(path.startsWith(fs.path)).toBe(true);
  return fs.dir + path.slice(fs.path.length);
}

async function failedPull(
  fs: SmallFilesystem,
  cache: Cache,
  repo: string,
  tuning?: PullOptions['tuning'],
): Promise<unknown> {
  return runPull(fs, cache, repo, tuning).then(
    () => 'the pull succeeded',
    (e: unknown) => e,
  );
}

function repoDir(cache: Cache, repo: string): string {
  return join(cacheRootFor(registry.url, cache.here, {}), repoFolderName(repo));
}

async function list(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true }).catch(() => [])).map(String).sort();
}

/** What happened (the disk is full) and what to do (free space, or --cache-dir elsewhere). */
function expectDiskFull(error: unknown): void {
  expect(error).toMatchObject({ code: 'DISK_FULL', exitCode: ExitCode.usage });
  const { message, hint } = error as CodedError;
  expect(message).toMatch(/disk is full/i);
  expect(hint).toMatch(/free/i);
  expect(hint).toMatch(/--cache-dir/);
}

/**
 * The cache invariants after a failed pull: every file in blobs/ is complete and named by its own
 * hash (no partial renamed in, no temp or partial file left behind), every snapshot entry links to
 * such a blob, the files that did not fit are not linked, no ref names the incomplete snapshot,
 * and no lock is left held.
 */
async function expectConsistentAfterFailure(cache: Cache, repo: string): Promise<void> {
  const dir = repoDir(cache, repo);
  const verified = new Set<string>();
  for (const name of await list(join(dir, 'blobs'))) {
    expect(name, 'only whole, hash-named blobs').toMatch(/^[0-9a-f]{40}([0-9a-f]{24})?$/);
    const bytes = await readFile(join(dir, 'blobs', name));
    expect(name.length === 64 ? sha256(bytes) : gitBlobSha1(bytes), `blob ${name} holds its own hash`).toBe(
      name,
    );
    verified.add(name);
  }
  const snapshot = join(dir, 'snapshots', commits[repo] ?? '');
  const linked: string[] = [];
  for (const entry of await list(snapshot)) {
    const target = await readlink(join(snapshot, entry)).catch(() => undefined);
    if (target === undefined) {
      continue; // a folder
    }
    const id = target.split('/').at(-1) ?? '';
    expect(resolve(dirname(join(snapshot, entry)), target)).toBe(join(dir, 'blobs', id));
    expect(verified.has(id), `${entry} links to a verified blob`).toBe(true);
    linked.push(entry);
  }
  expect(linked.length, 'the snapshot is incomplete').toBeLessThan(Object.keys(filesOf[repo] ?? {}).length);
  expect(await list(join(dir, 'refs')), 'no ref for an incomplete snapshot').toEqual([]);
  const locks = await list(join(cacheRootFor(registry.url, cache.here, {}), '.locks'));
  expect(
    locks.filter((l) => l.endsWith('.lock')),
    'the failed pull released its locks',
  ).toEqual([]);
}

/** The blobs in the cache (after a failed pull: the verified ones it kept), with inode and size. */
interface Kept {
  readonly blobs: ReadonlyMap<string, { ino: number; size: number }>;
  readonly bytes: number;
}

async function keptBlobs(cache: Cache, repo: string): Promise<Kept> {
  const dir = join(repoDir(cache, repo), 'blobs');
  const blobs = new Map<string, { ino: number; size: number }>();
  let bytes = 0;
  for (const name of await list(dir)) {
    const { ino, size } = await stat(join(dir, name));
    blobs.set(name, { ino, size });
    bytes += size;
  }
  return { blobs, bytes };
}

/**
 * The failed pull gave the space back: apart from verified blobs (kept for the next pull), nothing
 * it wrote (partial files, temp files) is left taking space on the full disk.
 */
async function expectSpaceReturned(fs: SmallFilesystem, cache: Cache, repo: string): Promise<Kept> {
  const kept = await keptBlobs(cache, repo);
  const s = await statfs(fs.dir);
  expect(s.bavail * s.bsize + kept.bytes).toBeGreaterThan(SMALL - 512 * KiB);
  return kept;
}

/**
 * After the pull that completed: every selected file verified, linked, and the ref written; with
 * `kept` (the verified blobs the failed pull left), those were reused, not fetched again.
 */
async function expectComplete(cache: Cache, repo: string, pulled: Pulled, kept?: Kept): Promise<void> {
  const { dir } = pulled;
  if (kept !== undefined) {
    const total = Object.values(filesOf[repo] ?? {}).reduce((sum, b) => sum + b.byteLength, 0);
    expect(pulled.downloadedBytes).toBeLessThanOrEqual(total - kept.bytes);
    expect(pulled.downloadedBytes).toBeGreaterThan(0);
    for (const [name, { ino }] of kept.blobs) {
      const now = await stat(join(repoDir(cache, repo), 'blobs', name));
      expect(now.ino, `kept blob ${name} reused, not fetched again`).toBe(ino);
    }
  }
  expect(dir).toBe(join(repoDir(cache, repo), 'snapshots', commits[repo] ?? ''));
  for (const [path, bytes] of Object.entries(filesOf[repo] ?? {})) {
    expect((await readFile(join(dir, path))).equals(bytes), path).toBe(true);
  }
  expect(await readFile(join(repoDir(cache, repo), 'refs', 'main'), 'utf8')).toBe(commits[repo]);
  const report = await verifyCache({ endpoint: registry.url, cacheDir: cache.here, env: {}, model: repo });
  expect(report.problems).toEqual([]);
}

describe('pull() onto a real full disk (a tmpfs smaller than the model)', () => {
  let fs: SmallFilesystem;
  beforeAll(async () => {
    fs = await mountSmallFilesystem(SMALL);
  });
  afterAll(async () => {
    await fs.close();
  });

  it('fails with DISK_FULL, leaves a consistent cache, and completes after the disk grows', async () => {
    const cache = await freshCache(fs);
    expectDiskFull(await failedPull(fs, cache, BIG));
    await expectConsistentAfterFailure(cache, BIG);
    const kept = await expectSpaceReturned(fs, cache, BIG);

    await fs.resize(LARGE);
    const result = await runPull(fs, cache, BIG);
    expect(result.commit).toBe(commits[BIG]);
    await expectComplete(cache, BIG, result, kept);
  });

  it('fails the same way when the body streams through undici instead of the raw socket', async () => {
    const cache = await freshCache(fs);
    const undici = { socketMinBytes: Number.MAX_SAFE_INTEGER };
    expectDiskFull(await failedPull(fs, cache, BIG, undici));
    await expectConsistentAfterFailure(cache, BIG);
    const kept = await expectSpaceReturned(fs, cache, BIG);

    await fs.resize(LARGE);
    await expectComplete(cache, BIG, await runPull(fs, cache, BIG, undici), kept);
  });

  it('fails the same way with parallel ranged writes into one preallocated partial file', async () => {
    const cache = await freshCache(fs);
    const parallel = { parallelThreshold: MiB, chunkSize: 256 * KiB, connectionsPerFile: 4 };
    expectDiskFull(await failedPull(fs, cache, BIG, parallel));
    await expectConsistentAfterFailure(cache, BIG);
    const kept = await expectSpaceReturned(fs, cache, BIG);

    await fs.resize(LARGE);
    await expectComplete(cache, BIG, await runPull(fs, cache, BIG, parallel), kept);
  });

  it('fails with DISK_FULL when many small files (fetched into memory) overflow the disk', async () => {
    const cache = await freshCache(fs);
    expectDiskFull(await failedPull(fs, cache, SHARDS));
    await expectConsistentAfterFailure(cache, SHARDS);
    const kept = await expectSpaceReturned(fs, cache, SHARDS);
    expect(kept.bytes, 'the shards that fitted are kept, verified').toBeGreaterThan(MiB);

    await fs.resize(LARGE);
    await expectComplete(cache, SHARDS, await runPull(fs, cache, SHARDS), kept);
  });
});

describe('pull() in a child process on a tmpfs in a user namespace (how non-root machines run)', () => {
  let fs: SmallFilesystem;
  beforeAll(async () => {
    fs = await mountSmallFilesystem(SMALL, { method: 'user-namespace' });
  });
  afterAll(async () => {
    await fs.close();
  });

  it('fails with DISK_FULL, not an internal error, when the disk is full before the pull starts', async () => {
    const cache = await freshCache(fs);
    const filler = join(fs.dir, 'filler');
    // Written until the kernel refuses: the partly written filler takes every free byte, so even
    // the metadata database and the lock files cannot be created.
    await expect(writeFile(filler, Buffer.alloc(SMALL + MiB))).rejects.toMatchObject({ code: 'ENOSPC' });
    expect((await statfs(fs.dir)).bavail).toBe(0);
    expectDiskFull(await failedPull(fs, cache, BIG));
    await expectConsistentAfterFailure(cache, BIG);

    await rm(filler);
    await fs.resize(LARGE);
    const keptBig = await keptBlobs(cache, BIG);
    await expectComplete(cache, BIG, await runPull(fs, cache, BIG), keptBig);

    // The usual case: a cache in use (its metadata database exists) on a disk that then fills up.
    await expect(writeFile(filler, Buffer.alloc(LARGE))).rejects.toMatchObject({ code: 'ENOSPC' });
    expectDiskFull(await failedPull(fs, cache, SHARDS));
    await expectConsistentAfterFailure(cache, SHARDS);
    const kept = await keptBlobs(cache, SHARDS);
    await rm(filler);
    await expectComplete(cache, SHARDS, await runPull(fs, cache, SHARDS), kept);
  });
});

function spawnRun(
  command: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
): Promise<ChildRun> {
  return runChild(command, args, { cwd: root, env: { PATH: process.env['PATH'] ?? '', HOME: root, ...env } });
}

describe('hub pull, info and bundle import on a real full disk', () => {
  let fs: SmallFilesystem;
  beforeAll(async () => {
    // The CLI always runs as a child, so the namespace method works for root and anyone else.
    fs = await mountSmallFilesystem(SMALL, { method: 'user-namespace' });
  });
  afterAll(async () => {
    await fs.close();
  });

  /** `hub ARGS` as a real child process, with HOME on the small filesystem. */
  function hub(args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<ChildRun> {
    const line = fs.command(process.execPath, ['--conditions=@modelhub/source', hubMain, ...args]);
    return spawnRun(line.command, line.args, { HOME: join(fs.path, 'home'), ...env });
  }

  it('exits 1 with a DISK_FULL JSON error under --json, then succeeds after the disk grows', async () => {
    const cache = await freshCache(fs);
    const args = ['--endpoint', registry.url, '--cache-dir', cache.there, '--json', 'pull', BIG];
    const failed = await hub(args);
    expect(failed.code).toBe(ExitCode.usage);
    const doc = JSON.parse(failed.stdout) as { error: CodedError };
    expectDiskFull({ ...doc.error, exitCode: failed.code });
    await expectConsistentAfterFailure(cache, BIG);

    await fs.resize(LARGE);
    const ok = await hub(args);
    expect(ok.stderr).toBe('');
    expect(ok.code).toBe(ExitCode.ok);
    const result = JSON.parse(ok.stdout) as Pulled;
    expect(result.commit).toBe(commits[BIG]);
    await expectComplete(cache, BIG, { ...result, dir: seenHere(fs, result.dir) });
  });

  it('a cached model stays usable on a full disk: hub pull (online and --offline) and hub info succeed', async () => {
    const cache = await freshCache(fs);
    await fs.resize(LARGE);
    const common = ['--endpoint', registry.url, '--cache-dir', cache.there, '--json'];
    const first = await hub([...common, 'pull', SHARDS]);
    expect(first.code, first.stderr).toBe(ExitCode.ok);
    await expect(writeFile(join(fs.dir, 'filler'), Buffer.alloc(LARGE))).rejects.toMatchObject({
      code: 'ENOSPC',
    });
    expect((await statfs(fs.dir)).bavail).toBe(0);
    const runs = await Promise.all([
      hub([...common, 'pull', SHARDS]),
      hub([...common, '--offline', 'pull', SHARDS]),
      hub([...common, 'info', BIG]),
    ]);
    for (const run of runs) {
      expect(run.code, run.stdout + run.stderr).toBe(ExitCode.ok);
    }
    const [online, offline, info] = runs.map((r) => JSON.parse(r.stdout) as Pulled & { id?: string });
    for (const pulled of [online, offline]) {
      expect(pulled?.downloadedBytes).toBe(0);
      await expectComplete(cache, SHARDS, { ...(pulled as Pulled), dir: seenHere(fs, pulled?.dir ?? '') });
    }
    expect(JSON.stringify(info)).toContain(BIG);
  });

  it('hub bundle import onto a full disk fails with DISK_FULL, not "the bundle is damaged"', async () => {
    // The bundle is made on an ordinary disk, from an ordinary cache.
    const scratch = await mkdtemp(join(tmpdir(), 'modelhub-disk-full-bundle-'));
    try {
      await pull(BIG, { endpoint: registry.url, cacheDir: join(scratch, 'cache'), env: {} });
      const bundle = join(scratch, 'big.tar');
      await createBundle([BIG], bundle, {
        endpoint: registry.url,
        cacheDir: join(scratch, 'cache'),
        env: {},
      });
      const cache = await freshCache(fs);
      const args = ['--endpoint', registry.url, '--cache-dir', cache.there, '--json', 'bundle', 'import'];
      const failed = await hub([...args, bundle]);
      expect(failed.code, failed.stdout + failed.stderr).toBe(ExitCode.usage);
      expectDiskFull({
        ...(JSON.parse(failed.stdout) as { error: CodedError }).error,
        exitCode: failed.code,
      });
      await expectConsistentAfterFailure(cache, BIG);
      expect(
        (await readdir(fs.dir, { recursive: true })).map(String).filter((p) => p.includes('import')),
      ).toEqual([]);

      await fs.resize(LARGE);
      const ok = await hub([...args, bundle]);
      expect(ok.code, ok.stdout + ok.stderr).toBe(ExitCode.ok);
      await expectComplete(cache, BIG, {
        commit: commits[BIG] ?? '',
        dir: join(repoDir(cache, BIG), 'snapshots', commits[BIG] ?? ''),
        downloadedBytes: 0,
      });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  });

  it('says what happened and what to do on stderr without --json (cache from HUB_CACHE)', async () => {
    const cache = await freshCache(fs);
    const failed = await hub(['--endpoint', registry.url, 'pull', BIG], { HUB_CACHE: cache.there });
    expect(failed.code).toBe(ExitCode.usage);
    expect(failed.stdout).toBe('');
    // Warned before the first byte, as huggingface_hub does: 10 MiB (10.5 MB) to fetch, 4 MiB free.
    expect(failed.stderr).toMatch(
      /^warning: this pull downloads 10\.5 MB but the disk holding \S+ has [\d.]+ [kM]B free; .*--cache-dir/m,
    );
    expect(failed.stderr).toMatch(/^error \[DISK_FULL\]: .*disk is full/im);
    expect(failed.stderr).toMatch(/^hint: .*free.*--cache-dir/im);
    expect(failed.stderr).not.toMatch(/internal error|\.ts:\d+/);
    await expectConsistentAfterFailure(cache, BIG);
  });
});
