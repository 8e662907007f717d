import { createHash } from 'node:crypto';
import type { BigIntStats } from 'node:fs';
import { stat } from 'node:fs/promises';

import { ModelhubError, createGitBlobHash, streamIntoHashes } from '@modelhub/core';

import { MetadataCache } from '../metadata/metadata-cache.ts';
import type { RepoCache } from './repo-cache.ts';

/**
 * What a blob file looked like on disk when its content was last verified. A later load that
 * finds the same size, inode, mtime and ctime trusts the content without reading it; anything
 * else (an edit, a copy put in its place, `touch`, a restored backup) costs one full re-hash.
 * ctime cannot be set back by a user, so an edit that restores the mtime is still seen.
 */
interface BlobStamp {
  readonly size: number;
  readonly ino: string;
  readonly mtimeNs: string;
  readonly ctimeNs: string;
}

async function stampOf(path: string): Promise<BlobStamp> {
  return stampFrom(await stat(path, { bigint: true }));
}

function stampFrom(s: BigIntStats): BlobStamp {
  return {
    size: Number(s.size),
    ino: s.ino.toString(),
    mtimeNs: s.mtimeNs.toString(),
    ctimeNs: s.ctimeNs.toString(),
  };
}

function sameStamp(a: BlobStamp, b: BlobStamp): boolean {
  return a.size === b.size && a.ino === b.ino && a.mtimeNs === b.mtimeNs && a.ctimeNs === b.ctimeNs;
}

/** The hash a blob is named by: sha256 (64 hex, LFS files) or the git blob sha1 (40 hex). */
export async function hashBlobFile(path: string, id: string): Promise<string> {
  const { size } = await stat(path);
  const hash = id.length === 64 ? createHash('sha256') : createGitBlobHash(size);
  await streamIntoHashes(path, size, [hash]);
  return hash.digest('hex');
}

/**
 * The cache's record of verified blobs, kept in the cache root's metadata database (one entry
 * per blob, renewed at every verification, dropped after 30 days unused so that old blobs are
 * re-hashed once in a while). A cache that cannot be written (a shared read-only cache) keeps no
 * record: its blobs are re-hashed at every load, which is slower but never wrong.
 */
export class BlobIntegrity {
  readonly #stores = new Map<string, MetadataCache | undefined>();
  /** Stamps recorded but not yet written, by store and key. */
  readonly #pending = new Map<MetadataCache, Map<string, BlobStamp>>();
  /** Bytes read back by `check` (0 when every blob was as recorded). */
  rehashedBytes = 0;

  #store(cache: RepoCache): MetadataCache | undefined {
    if (!this.#stores.has(cache.root)) {
      let store: MetadataCache | undefined;
      try {
        store = new MetadataCache(cache.root);
      } catch {
        store = undefined;
      }
      this.#stores.set(cache.root, store);
    }
    return this.#stores.get(cache.root);
  }

  #key(cache: RepoCache, id: string): string {
    return `verified-blob:${cache.repo}:${id}`;
  }

  /**
   * Records a blob whose content was just verified (downloaded and hashed, or re-hashed). The
   * stamp is taken now; it is written with the others in one transaction by `flush` (or `close`,
   * at the end of a pull). A process killed before that leaves these blobs unrecorded, and the
   * next load re-hashes them: slower once, never wrong.
   */
  async recordVerified(cache: RepoCache, id: string): Promise<void> {
    try {
      const stamp = await stampOf(cache.blobPath(id));
      const store = this.#store(cache);
      if (store !== undefined) {
        const pending = this.#pending.get(store) ?? new Map<string, BlobStamp>();
        this.#pending.set(store, pending.set(this.#key(cache, id), stamp));
      }
    } catch {
      // No record: the next load re-hashes the blob.
    }
  }

  /** Writes the records taken since the last flush, one transaction per cache root. */
  async flush(): Promise<void> {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [store, stamps] of pending) {
      await store.setMany([...stamps].map(([key, value]) => ({ key, value }))).catch(() => undefined);
    }
  }

  /**
   * Makes sure a cached blob still holds the bytes its name says before anything loads it: a
   * stat and a lookup when the file is as it was at its last verification, a full re-hash
   * otherwise. A blob that no longer matches is an INTEGRITY_MISMATCH that names the file and
   * the repair command; it is left in place for `hub verify` to report and repair.
   */
  async check(cache: RepoCache, id: string, path: string): Promise<void> {
    await this.checkAll(cache, [{ id, path }]);
  }

  /**
   * `check` of many blobs of one repo: one stat each and ONE lookup of their records (a warm
   * pull of a 300-file model made 300 lookups before), then a re-hash of those that changed.
   */
  async checkAll(
    cache: RepoCache,
    blobs: readonly { id: string; path: string; stats?: BigIntStats | undefined }[],
  ): Promise<void> {
    if (blobs.length === 0) {
      return;
    }
    // `stats`: the caller's own `stat(blob, { bigint: true })` of a moment ago, not taken twice.
    const stamps = await Promise.all(
      blobs.map((b) =>
        b.stats === undefined ? stampOf(cache.blobPath(b.id)) : Promise.resolve(stampFrom(b.stats)),
      ),
    );
    // Records taken earlier in this session are looked up like the others.
    await this.flush();
    const store = this.#store(cache);
    const recorded =
      (await store
        ?.getMany<BlobStamp>(
          blobs.map((b) => this.#key(cache, b.id)),
          Infinity,
        )
        .catch(() => undefined)) ?? [];
    await Promise.all(
      blobs.map(async ({ id, path }, i) => {
        const was = recorded[i];
        const now = stamps[i];
        if (now === undefined || (was !== undefined && sameStamp(was, now))) {
          return;
        }
        await this.#rehash(cache, id, path, now.size);
      }),
    );
  }

  async #rehash(cache: RepoCache, id: string, path: string, size: number): Promise<void> {
    const file = cache.blobPath(id);
    const actual = await hashBlobFile(file, id);
    this.rehashedBytes += size;
    if (actual !== id) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `The cached file ${path} of ${cache.repo} is corrupt: its content no longer matches its ${id.length === 64 ? 'sha256' : 'git sha1'}.`,
        {
          hint: `The copy on disk changed after it was verified. Run hub verify --repair ${cache.repo} to download it again.`,
          details: { repo: cache.repo, path, blob: file, expected: id, actual },
        },
      );
    }
    await this.recordVerified(cache, id);
  }

  async close(): Promise<void> {
    await this.flush();
    for (const store of this.#stores.values()) {
      await store?.close().catch(() => undefined);
    }
    this.#stores.clear();
  }
}
