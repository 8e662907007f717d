import { mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/**
 * Opens the cache database and makes sure its table exists. `synchronous = OFF` (set before WAL
 * mode, so the switch itself does not sync either): a cache needs no fsync on commit or
 * checkpoint, which on a busy disk cost tens of milliseconds on the main thread per pull. A
 * process crash still cannot corrupt it (WAL); an OS crash might, and then it is rebuilt.
 */
function openCacheDb(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: 5_000 });
  try {
    db.exec('PRAGMA synchronous = OFF; PRAGMA journal_mode = WAL;');
    db.exec('CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER)');
    return db;
  } catch (error) {
    // E.g. SQLITE_FULL on a full disk: do not leak the open file.
    db.close();
    throw error;
  }
}

/** SQLITE_CORRUPT (11) or SQLITE_NOTADB (26), as node:sqlite reports them. */
function isCorrupt(error: unknown): boolean {
  const code = (error as { errcode?: unknown }).errcode;
  return typeof code === 'number' && ((code & 0xff) === 11 || (code & 0xff) === 26);
}

/**
 * A Keyv store on the built-in `node:sqlite` (no native addon): one table of
 * `(key, value, expires)`, WAL mode so several processes share it. Keyv passes a relative `ttl`
 * in milliseconds to `set`; expired rows are ignored on read and swept on write.
 */
export class SqliteKeyvStore {
  readonly opts: { dialect: 'sqlite'; path: string };
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #getMany: StatementSync;
  readonly #set: StatementSync;
  readonly #delete: StatementSync;
  readonly #sweep: StatementSync;
  #writes = 0;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }
    this.opts = { dialect: 'sqlite', path };
    try {
      this.#db = openCacheDb(path);
    } catch (error) {
      // A cache that an OS crash left unreadable is rebuilt, not fatal: everything in it can be
      // learned again from the registry.
      if (path === ':memory:' || !isCorrupt(error)) {
        throw error;
      }
      for (const suffix of ['', '-wal', '-shm']) {
        rmSync(`${path}${suffix}`, { force: true });
      }
      this.#db = openCacheDb(path);
    }
    this.#get = this.#db.prepare('SELECT value, expires FROM keyv WHERE key = ?');
    // The keys travel as one JSON array (SQLite limits the number of `?` parameters).
    this.#getMany = this.#db.prepare(
      'SELECT key, value, expires FROM keyv WHERE key IN (SELECT value FROM json_each(?))',
    );
    this.#set = this.#db.prepare(
      'INSERT INTO keyv (key, value, expires) VALUES (?, ?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value, expires = excluded.expires',
    );
    this.#delete = this.#db.prepare('DELETE FROM keyv WHERE key = ?');
    this.#sweep = this.#db.prepare('DELETE FROM keyv WHERE expires IS NOT NULL AND expires <= ?');
  }

  get(key: string): Promise<string | undefined> {
    const row = this.#get.get(key) as { value: string; expires: number | null } | undefined;
    if (row === undefined || (row.expires !== null && row.expires <= Date.now())) {
      return Promise.resolve(undefined);
    }
    return Promise.resolve(row.value);
  }

  /**
   * Many keys in one query (Keyv's `getMany` calls it): a warm pull looks up one verification
   * record per cached file, and one query instead of ~300 saves most of that time.
   */
  getMany(keys: readonly string[]): Promise<(string | undefined)[]> {
    const now = Date.now();
    const found = new Map<string, string>();
    for (const row of this.#getMany.all(JSON.stringify(keys)) as {
      key: string;
      value: string;
      expires: number | null;
    }[]) {
      if (row.expires === null || row.expires > now) {
        found.set(row.key, row.value);
      }
    }
    return Promise.resolve(keys.map((key) => found.get(key)));
  }

  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    this.#write(key, value, ttl);
    return Promise.resolve(true);
  }

  /**
   * Many entries in ONE transaction (Keyv's `setMany` calls it): a pull records one verified blob
   * per downloaded file, and 300 commits cost ~20 ms of main thread where one costs ~2 ms.
   */
  setMany(entries: readonly { key: string; value: unknown; ttl?: number | undefined }[]): Promise<void> {
    this.#db.exec('BEGIN');
    try {
      for (const { key, value, ttl } of entries) {
        this.#write(key, value, ttl);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#db.exec('ROLLBACK');
      throw error;
    }
    return Promise.resolve();
  }

  #write(key: string, value: unknown, ttl: number | undefined): void {
    const expires = typeof ttl === 'number' && ttl > 0 ? Date.now() + ttl : null;
    this.#set.run(key, typeof value === 'string' ? value : JSON.stringify(value), expires);
    this.#writes += 1;
    if (this.#writes % 100 === 0) {
      this.#sweep.run(Date.now());
    }
  }

  delete(key: string): Promise<boolean> {
    return Promise.resolve(Number(this.#delete.run(key).changes) > 0);
  }

  clear(): Promise<void> {
    this.#db.exec('DELETE FROM keyv');
    return Promise.resolve();
  }

  has(key: string): Promise<boolean> {
    return this.get(key).then((v) => v !== undefined);
  }

  disconnect(): Promise<void> {
    if (this.#db.isOpen) {
      this.#db.close();
    }
    return Promise.resolve();
  }
}
