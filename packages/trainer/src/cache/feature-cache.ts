import { existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

import { ModelhubError, sha256, type FeatureExtractor } from '@modelhub/core';

/** The parts of an extractor that decide which vector an image gets. */
export type FeatureSource = Pick<FeatureExtractor, 'modelId' | 'tap' | 'preprocess' | 'dim'>;

/**
 * The cache namespace of a backbone setup: sha256 over (model id incl. commit, tapped tensor and
 * pooling, resolved preprocessing). Two runs share cached vectors exactly when these agree.
 */
export function featureNamespace(source: FeatureSource): string {
  return sha256(
    JSON.stringify({
      v: 1,
      model: source.modelId,
      tap: source.tap,
      preprocess: source.preprocess,
      dim: source.dim,
    }),
  );
}

/** What {@link FeatureCache.sweep} removed (or would remove, on a dry run). */
export interface FeatureSweep {
  /** Backbone setups (namespaces) no run used since the cut-off. */
  readonly namespaces: number;
  readonly vectors: number;
  /** Bytes of the removed vectors. */
  readonly vectorBytes: number;
  /** The file's size (with its write-ahead log) before and after; equal on a dry run. */
  readonly fileBytesBefore: number;
  readonly fileBytesAfter: number;
}

/**
 * Embeddings on disk, keyed by (namespace, file-content sha256), in one SQLite file (WAL, so
 * concurrent runs don't corrupt it). A second `hub train` with other hyper-parameters or more files
 * embeds only what is new. Each namespace records when a run last used it, so `hub gc` can drop
 * the vectors of backbone setups nobody uses any more (every candidate of every `hub train` adds
 * one; nothing else ever removed them).
 */
export class FeatureCache {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;
  private readonly newNamespaceStmt: StatementSync;
  private readonly touchStmt: StatementSync;

  /**
   * Why this run cannot store vectors (a read-only or full cache folder, a damaged file), said
   * once; the run goes on without the cache (or reading it only) instead of failing: the cache
   * only saves time.
   */
  get warning(): string | undefined {
    return this.problem === undefined
      ? undefined
      : `the feature cache ${this.path} cannot be written (${this.problem}); this run does not keep its vectors`;
  }

  private problem: string | undefined;
  /** Not even its existing vectors could be read: this run uses an empty cache in memory. */
  private unreadable = false;

  constructor(path: string) {
    this.path = path;
    let db: DatabaseSync;
    try {
      db = openWritable(path);
    } catch (error) {
      this.problem = reason(error);
      const readOnly = openReadOnly(path);
      this.unreadable = readOnly === undefined && path !== ':memory:';
      db = readOnly ?? openWritable(':memory:');
    }
    this.db = db;
    this.getStmt = this.db.prepare('SELECT dim, vec FROM features WHERE ns = ? AND sha256 = ?');
    this.putStmt = this.db.prepare(
      'INSERT OR REPLACE INTO features (ns, sha256, dim, vec) VALUES (?, ?, ?, ?)',
    );
    this.newNamespaceStmt = this.db.prepare(
      "INSERT OR IGNORE INTO namespaces (ns, model, used_at) VALUES (?, '', ?)",
    );
    this.touchStmt = this.db.prepare(
      `INSERT INTO namespaces (ns, model, used_at) VALUES (?, ?, ?)
       ON CONFLICT (ns) DO UPDATE SET model = excluded.model, used_at = excluded.used_at`,
    );
  }

  /** The cached vector of one file, or undefined. */
  get(ns: string, contentSha256: string): Float32Array | undefined {
    const row = this.getStmt.get(ns, contentSha256) as { dim: number; vec: Uint8Array } | undefined;
    if (row === undefined || row.vec.byteLength !== row.dim * 4) {
      return undefined;
    }
    // Copy: the blob's buffer may be shared or unaligned.
    return new Float32Array(Uint8Array.from(row.vec).buffer);
  }

  /** Stores vectors in one transaction (nothing, once the cache turned out not to be writable). */
  putMany(ns: string, entries: readonly (readonly [string, Float32Array])[]): void {
    if (entries.length === 0) {
      return;
    }
    this.write(() => {
      // Vectors stored without a touch() (a library caller) still get a use to expire from.
      this.newNamespaceStmt.run(ns, Date.now());
      for (const [sha, vec] of entries) {
        this.putStmt.run(ns, sha, vec.length, new Uint8Array(vec.buffer, vec.byteOffset, vec.byteLength));
      }
    });
  }

  /** Records that a run uses these namespaces now (one small write per run, not per vector). */
  touch(namespaces: readonly string[], modelId: string, now: number = Date.now()): void {
    this.write(() => {
      for (const ns of new Set(namespaces)) {
        this.touchStmt.run(ns, modelId, now);
      }
    });
  }

  /** One transaction; a failure (read-only file, full disk) stops writing for this run. */
  private write(body: () => void): void {
    if (this.problem !== undefined) {
      return;
    }
    try {
      this.db.exec('BEGIN IMMEDIATE');
    } catch (error) {
      this.problem = reason(error);
      return;
    }
    try {
      body();
      this.db.exec('COMMIT');
    } catch (error) {
      this.rollback();
      this.problem = reason(error);
    }
  }

  /**
   * Deletes the vectors of every namespace no run used since `unusedSince`, then compacts the file.
   * Compacting is best-effort: while another process reads the cache, SQLite keeps the freed pages
   * for later vectors instead of giving them back, and `fileBytesAfter` says so.
   */
  sweep(options: { readonly unusedSince: Date; readonly dryRun?: boolean }): FeatureSweep {
    if (this.unreadable) {
      throw new ModelhubError(
        'IO_ERROR',
        `the feature cache ${this.path} cannot be opened (${this.problem}).`,
        {
          hint: `Check who owns it. It only holds cached vectors: if it is damaged, delete it (rm ${this.path}).`,
        },
      );
    }
    const cutoff = options.unusedSince.getTime();
    const before = this.fileBytes();
    const stale = 'SELECT ns FROM namespaces WHERE used_at < ?';
    const counted = this.db
      .prepare(
        `SELECT COUNT(*) AS vectors, COALESCE(SUM(LENGTH(vec)), 0) AS bytes FROM features WHERE ns IN (${stale})`,
      )
      .get(cutoff) as { vectors: number; bytes: number };
    const unused = this.db.prepare(`SELECT COUNT(*) AS n FROM (${stale})`).get(cutoff) as { n: number };
    const report = {
      namespaces: Number(unused.n),
      vectors: Number(counted.vectors),
      vectorBytes: Number(counted.bytes),
      fileBytesBefore: before,
    };
    if (options.dryRun === true || report.namespaces === 0) {
      return { ...report, fileBytesAfter: before };
    }
    if (this.problem !== undefined) {
      throw new ModelhubError(
        'PERMISSION_DENIED',
        `the feature cache ${this.path} cannot be written (${this.problem}); nothing was deleted.`,
        {
          hint: 'Run it as the user who owns the cache, or where the cache folder is writable.',
        },
      );
    }
    this.db.exec('BEGIN');
    try {
      this.db.prepare(`DELETE FROM features WHERE ns IN (${stale})`).run(cutoff);
      this.db.prepare('DELETE FROM namespaces WHERE used_at < ?').run(cutoff);
      this.db.exec('COMMIT');
    } catch (error) {
      this.rollback();
      throw error;
    }
    try {
      this.db.exec('VACUUM; PRAGMA wal_checkpoint(TRUNCATE);');
    } catch {
      // Another process has the file open in a transaction: the pages stay free inside it.
    }
    return { ...report, fileBytesAfter: this.fileBytes() };
  }

  /** How many vectors a namespace holds. */
  count(ns: string): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM features WHERE ns = ?').get(ns) as { n: number };
    return Number(row.n);
  }

  /** Undoes an open transaction; SQLite has already done so after some errors (a full disk). */
  private rollback(): void {
    try {
      this.db.exec('ROLLBACK');
    } catch {
      // no transaction is active any more
    }
  }

  private fileBytes(): number {
    if (this.path === ':memory:') {
      return 0;
    }
    let total = 0;
    for (const file of [this.path, `${this.path}-wal`]) {
      try {
        total += statSync(file).size;
      } catch {
        // no write-ahead log right now
      }
    }
    return total;
  }

  close(): void {
    this.db.close();
  }
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS features (
    ns TEXT NOT NULL, sha256 TEXT NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL,
    PRIMARY KEY (ns, sha256)) WITHOUT ROWID;`;

/** Opens (creating) the cache for reading and writing, adding the use records it may lack. */
function openWritable(path: string): DatabaseSync {
  if (path !== ':memory:') {
    mkdirSync(dirname(path), { recursive: true });
  }
  const db = new DatabaseSync(path);
  try {
    db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000; ${SCHEMA}`);
    const hasUses = db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'namespaces'")
      .get();
    if (hasUses === undefined) {
      // A cache written before namespaces recorded their use: its vectors start their clock now
      // rather than counting as never used (which the next gc would delete at once).
      db.exec(`BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS namespaces (
          ns TEXT PRIMARY KEY, model TEXT NOT NULL, used_at INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO namespaces (ns, model, used_at)
          SELECT DISTINCT ns, '', ${Date.now()} FROM features;
        COMMIT;`);
    }
    return db;
  } catch (error) {
    db.close();
    throw error;
  }
}

/**
 * An existing cache that cannot be written, opened to read the vectors it has (a shared cache on
 * a read-only mount); undefined when even that fails or it lacks the tables.
 */
function openReadOnly(path: string): DatabaseSync | undefined {
  if (path === ':memory:' || !existsSync(path)) {
    return undefined;
  }
  // A WAL file opened read-only needs its shared-memory file; in a folder nobody may write,
  // SQLite can only read it as immutable (no other writer is assumed while this run reads).
  const immutable = pathToFileURL(path);
  immutable.searchParams.set('immutable', '1');
  for (const location of [path, immutable]) {
    let db: DatabaseSync | undefined;
    try {
      db = new DatabaseSync(location, { readOnly: true });
      db.prepare('SELECT 1 FROM features LIMIT 1').get();
      db.prepare('SELECT 1 FROM namespaces LIMIT 1').get();
      return db;
    } catch {
      db?.close();
    }
  }
  return undefined;
}

function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
