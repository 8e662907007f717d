import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';

/**
 * A Keyv store on the built-in `node:sqlite` (no native addon): one table of
 * `(key, value, expires)`, WAL mode so several processes share it. Keyv passes a relative `ttl`
 * in milliseconds to `set`; expired rows are ignored on read and swept on write.
 */
export class SqliteKeyvStore {
  readonly opts: { dialect: 'sqlite'; path: string };
  readonly #db: DatabaseSync;
  readonly #get: StatementSync;
  readonly #set: StatementSync;
  readonly #delete: StatementSync;
  readonly #sweep: StatementSync;
  #writes = 0;

  constructor(path: string) {
    if (path !== ':memory:') {
      mkdirSync(dirname(path), { recursive: true });
    }
    this.opts = { dialect: 'sqlite', path };
    this.#db = new DatabaseSync(path, { timeout: 5_000 });
    try {
      this.#db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;');
      this.#db.exec(
        'CREATE TABLE IF NOT EXISTS keyv (key TEXT PRIMARY KEY, value TEXT NOT NULL, expires INTEGER)',
      );
    } catch (error) {
      // E.g. SQLITE_FULL on a full disk: do not leak the open file.
      this.#db.close();
      throw error;
    }
    this.#get = this.#db.prepare('SELECT value, expires FROM keyv WHERE key = ?');
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

  set(key: string, value: unknown, ttl?: number): Promise<boolean> {
    const expires = typeof ttl === 'number' && ttl > 0 ? Date.now() + ttl : null;
    this.#set.run(key, typeof value === 'string' ? value : JSON.stringify(value), expires);
    this.#writes += 1;
    if (this.#writes % 100 === 0) {
      this.#sweep.run(Date.now());
    }
    return Promise.resolve(true);
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
