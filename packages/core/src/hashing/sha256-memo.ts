import { createHash } from 'node:crypto';
import { readFile, realpath, stat } from 'node:fs/promises';

import { writeCacheFile } from '../files/write-cache-file.ts';
import { streamIntoHashes } from './hash-file.ts';

/** A file's size and sha256. */
export interface FileSha256 {
  readonly size: number;
  readonly sha256: string;
}

/** What a memo file holds: per real path, the stat identity the hash was computed for. */
interface MemoFile {
  readonly version: 1;
  readonly entries: Record<string, { readonly stat: string; readonly sha256: string }>;
}

/** Most files remembered; the oldest entries go first (a cache holds a few models, not thousands). */
const MAX_ENTRIES = 4096;

/**
 * Device, inode, size, and modification and change times in nanoseconds. Any write to the file
 * changes its mtime and ctime, and ctime cannot be set back by an ordinary process, so bytes
 * that changed since they were hashed are always read again (git decides the same way whether a
 * file needs hashing).
 */
async function statIdentity(path: string): Promise<{ identity: string; size: number; changedMs: number }> {
  const s = await stat(path, { bigint: true });
  return {
    identity: `${s.dev}:${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`,
    size: Number(s.size),
    changedMs: Number(s.ctimeNs / 1_000_000n),
  };
}

/**
 * A file changed this recently is hashed but not remembered: on a file system with coarse
 * timestamps, a write within the same tick would leave its identity unchanged ("racy git").
 */
const RACY_MS = 2000;

/**
 * sha256 of files, remembered across processes by each file's stat identity in a small JSON file
 * (in the model cache), so that loading a model verifies it without reading every byte again
 * unless the file changed. `hub verify` reads every byte regardless. Without a memo file (or when
 * it cannot be read or written: a read-only cache) every file is hashed, once per process.
 */
export class Sha256Memo {
  readonly #file: string | undefined;
  readonly #racyMs: number;
  #entries: Map<string, { stat: string; sha256: string }> | undefined;

  /**
   * @param file the memo file; undefined for none.
   * @param options.racyMs files changed more recently than this are not remembered (default 2 s).
   */
  constructor(file: string | undefined, options: { readonly racyMs?: number } = {}) {
    this.#file = file;
    this.#racyMs = options.racyMs ?? RACY_MS;
  }

  async sha256(path: string): Promise<FileSha256> {
    const real = await realpath(path);
    const { identity, size } = await statIdentity(real);
    const entries = await this.#load();
    const known = entries.get(real);
    if (known?.stat === identity) {
      return { size, sha256: known.sha256 };
    }
    const hash = createHash('sha256');
    await streamIntoHashes(real, size, [hash]);
    const sha256 = hash.digest('hex');
    // Only when the file did not change while it was read, and not within the last tick or two.
    const after = await statIdentity(real);
    if (after.identity === identity && Date.now() - after.changedMs >= this.#racyMs) {
      entries.delete(real);
      entries.set(real, { stat: identity, sha256 });
      await this.#save(entries);
    }
    return { size, sha256 };
  }

  async #load(): Promise<Map<string, { stat: string; sha256: string }>> {
    if (this.#entries !== undefined) {
      return this.#entries;
    }
    let entries = new Map<string, { stat: string; sha256: string }>();
    if (this.#file !== undefined) {
      try {
        const json = JSON.parse(await readFile(this.#file, 'utf8')) as Partial<MemoFile>;
        if (json.version === 1 && typeof json.entries === 'object') {
          entries = new Map(
            Object.entries(json.entries).filter(
              ([, e]) => typeof e.stat === 'string' && /^[0-9a-f]{64}$/.test(e.sha256),
            ),
          );
        }
      } catch {
        // Missing or unreadable: start empty, every file is hashed.
      }
    }
    this.#entries = entries;
    return entries;
  }

  async #save(entries: Map<string, { stat: string; sha256: string }>): Promise<void> {
    if (this.#file === undefined) {
      return;
    }
    const kept = [...entries].slice(-MAX_ENTRIES);
    const json: MemoFile = { version: 1, entries: Object.fromEntries(kept) };
    // A read-only or full cache writes nothing: the memo is only a shortcut, the hash is correct.
    await writeCacheFile(this.#file, JSON.stringify(json));
  }
}
