import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

import { sha256, type FeatureExtractor } from '@modelhub/core';

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

  constructor(path: string) {
    this.path = path;
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }
    this.db = new DatabaseSync(path);
    this.db.exec(`PRAGMA journal_mode = WAL; PRAGMA busy_timeout = 10000;
      CREATE TABLE IF NOT EXISTS features (
        ns TEXT NOT NULL, sha256 TEXT NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL,
        PRIMARY KEY (ns, sha256)) WITHOUT ROWID;`);
    const hasUses = this.db
      .prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'namespaces'")
      .get();
    if (hasUses === undefined) {
      // A cache written before namespaces recorded their use: its vectors start their clock now
      // rather than counting as never used (which the next gc would delete at once).
      this.db.exec(`BEGIN IMMEDIATE;
        CREATE TABLE IF NOT EXISTS namespaces (
          ns TEXT PRIMARY KEY, model TEXT NOT NULL, used_at INTEGER NOT NULL) WITHOUT ROWID;
        INSERT OR IGNORE INTO namespaces (ns, model, used_at)
          SELECT DISTINCT ns, '', ${Date.now()} FROM features;
        COMMIT;`);
    }
    this.getStmt = this.db.prepare('SELECT dim, vec FROM features WHERE ns = ? AND sha256 = ?');
    this.putStmt = this.db.prepare(
      'INSERT OR REPLACE INTO features (ns, sha256, dim, vec) VALUES (?, ?, ?, ?)',
    );
    this.newNamespaceStmt = this.db.prepare(
      "INSERT OR IGNORE INTO namespaces (ns, model, used_at) VALUES (?, '', ?)",
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

  /** Stores vectors in one transaction. */
  putMany(ns: string, entries: readonly (readonly [string, Float32Array])[]): void {
    if (entries.length === 0) {
      return;
    }
    this.db.exec('BEGIN');
    try {
      // Vectors stored without a touch() (a library caller) still get a use to expire from.
      this.newNamespaceStmt.run(ns, Date.now());
      for (const [sha, vec] of entries) {
        this.putStmt.run(ns, sha, vec.length, new Uint8Array(vec.buffer, vec.byteOffset, vec.byteLength));
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** Records that a run uses these namespaces now (one small write per run, not per vector). */
  touch(namespaces: readonly string[], modelId: string, now: number = Date.now()): void {
    const stmt = this.db.prepare(
      `INSERT INTO namespaces (ns, model, used_at) VALUES (?, ?, ?)
       ON CONFLICT (ns) DO UPDATE SET model = excluded.model, used_at = excluded.used_at`,
    );
    this.db.exec('BEGIN');
    try {
      for (const ns of new Set(namespaces)) {
        stmt.run(ns, modelId, now);
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /**
   * Deletes the vectors of every namespace no run used since `unusedSince`, then compacts the file.
   * Compacting is best-effort: while another process reads the cache, SQLite keeps the freed pages
   * for later vectors instead of giving them back, and `fileBytesAfter` says so.
   */
  sweep(options: { readonly unusedSince: Date; readonly dryRun?: boolean }): FeatureSweep {
    const cutoff = options.unusedSince.getTime();
    const before = this.fileBytes();
    const stale = `SELECT ns FROM namespaces WHERE used_at < ${cutoff}`;
    const counted = this.db
      .prepare(
        `SELECT COUNT(*) AS vectors, COALESCE(SUM(LENGTH(vec)), 0) AS bytes FROM features WHERE ns IN (${stale})`,
      )
      .get() as { vectors: number; bytes: number };
    const unused = this.db.prepare(`SELECT COUNT(*) AS n FROM (${stale})`).get() as { n: number };
    const report = {
      namespaces: Number(unused.n),
      vectors: Number(counted.vectors),
      vectorBytes: Number(counted.bytes),
      fileBytesBefore: before,
    };
    if (options.dryRun === true || report.namespaces === 0) {
      return { ...report, fileBytesAfter: before };
    }
    this.db.exec('BEGIN');
    try {
      this.db.exec(`DELETE FROM features WHERE ns IN (${stale})`);
      this.db.exec(`DELETE FROM namespaces WHERE used_at < ${cutoff}`);
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
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
