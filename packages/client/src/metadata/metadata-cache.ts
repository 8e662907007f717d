import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { Keyv } from 'keyv';

import { isDiskFull } from '../cache/disk-full.ts';
import { SqliteKeyvStore } from './sqlite-store.ts';

/** A cached value with the time it was learned, so offline mode can use it past its freshness. */
interface Stamped<T> {
  readonly value: T;
  readonly at: number;
}

/** How long resolved metadata stays fresh (milliseconds). */
export interface MetadataTtls {
  readonly alias: number;
  readonly revision: number;
  readonly search: number;
}

export const defaultTtls: MetadataTtls = { alias: 60 * 60_000, revision: 60_000, search: 10 * 60_000 };

/**
 * Registry metadata cached in Keyv over a persistent SQLite store in the cache root
 * (`.modelhub-metadata.sqlite`): alias → repo, revision → commit, search results. Aliases and
 * revisions are kept beyond their freshness (entries expire after 30 days) so that offline mode
 * can still use the last answer; search results expire with their TTL.
 */
export class MetadataCache {
  readonly #keyv: Keyv;
  readonly #store: SqliteKeyvStore;
  readonly ttls: MetadataTtls;
  readonly #readOnly: boolean;

  /**
   * `readOnly` (a dry run): answers are read from an existing store and `set` keeps nothing, so no
   * file or folder is created in the cache.
   */
  constructor(cacheRoot: string, ttls: Partial<MetadataTtls> = {}, { readOnly = false } = {}) {
    this.#readOnly = readOnly;
    const file = join(cacheRoot, '.modelhub-metadata.sqlite');
    try {
      this.#store = new SqliteKeyvStore(readOnly && !existsSync(file) ? ':memory:' : file);
    } catch (error) {
      if (!isDiskFull(error)) {
        throw error;
      }
      // A full disk: remember nothing rather than fail, so cached models stay usable (a warm pull
      // needs no space) and search/info still answer; a download fails on its own with DISK_FULL.
      this.#store = new SqliteKeyvStore(':memory:');
    }
    this.#keyv = new Keyv({ store: this.#store, namespace: 'modelhub' });
    this.#keyv.on('error', () => undefined);
    this.ttls = { ...defaultTtls, ...ttls };
  }

  /** A value younger than `maxAgeMs` (or of any age when `maxAgeMs` is Infinity). */
  async get<T>(key: string, maxAgeMs: number): Promise<T | undefined> {
    const stamped = (await this.#keyv.get<Stamped<T>>(key)) ?? undefined;
    if (stamped === undefined || Date.now() - stamped.at > maxAgeMs) {
      return undefined;
    }
    return stamped.value;
  }

  /** `get` of many keys in one store query; in the order of `keys`. */
  async getMany<T>(keys: readonly string[], maxAgeMs: number): Promise<(T | undefined)[]> {
    if (keys.length === 0) {
      return [];
    }
    const now = Date.now();
    const stamped = await this.#keyv.getMany<Stamped<T>>([...keys]);
    return stamped.map((s) => (s === undefined || s === null || now - s.at > maxAgeMs ? undefined : s.value));
  }

  async set<T>(key: string, value: T, ttlMs = 30 * 24 * 60 * 60_000): Promise<void> {
    if (this.#readOnly) {
      return;
    }
    await this.#keyv.set<Stamped<T>>(key, { value, at: Date.now() }, ttlMs);
  }

  /** `set` of many entries in one store transaction. */
  async setMany<T>(
    entries: readonly { key: string; value: T }[],
    ttlMs = 30 * 24 * 60 * 60_000,
  ): Promise<void> {
    if (this.#readOnly || entries.length === 0) {
      return;
    }
    const at = Date.now();
    await this.#keyv.setMany<Stamped<T>>(
      entries.map(({ key, value }) => ({ key, value: { value, at }, ttl: ttlMs })),
    );
  }

  async close(): Promise<void> {
    await this.#store.disconnect();
  }
}
