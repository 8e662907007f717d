import { mkdirSync } from 'node:fs';
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

/**
 * Embeddings on disk, keyed by (namespace, file-content sha256), in one SQLite file (WAL, so
 * concurrent runs don't corrupt it). A second `hub train` with other hyper-parameters or more files
 * embeds only what is new.
 */
export class FeatureCache {
  readonly path: string;
  private readonly db: DatabaseSync;
  private readonly getStmt: StatementSync;
  private readonly putStmt: StatementSync;

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
    this.getStmt = this.db.prepare('SELECT dim, vec FROM features WHERE ns = ? AND sha256 = ?');
    this.putStmt = this.db.prepare(
      'INSERT OR REPLACE INTO features (ns, sha256, dim, vec) VALUES (?, ?, ?, ?)',
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
      for (const [sha, vec] of entries) {
        this.putStmt.run(ns, sha, vec.length, new Uint8Array(vec.buffer, vec.byteOffset, vec.byteLength));
      }
      this.db.exec('COMMIT');
    } catch (error) {
      this.db.exec('ROLLBACK');
      throw error;
    }
  }

  /** How many vectors a namespace holds. */
  count(ns: string): number {
    const row = this.db.prepare('SELECT COUNT(*) AS n FROM features WHERE ns = ?').get(ns) as { n: number };
    return Number(row.n);
  }

  close(): void {
    this.db.close();
  }
}
