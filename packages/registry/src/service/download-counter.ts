import type { Repo } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';

/**
 * Counts downloads. Counts are added up in memory and written once per turn of the event loop
 * (one UPDATE per repo instead of one per file), before any later request is read.
 */
export class DownloadCounter {
  readonly #metadata: MetadataStore;
  readonly #pending = new Map<number, number>();

  constructor(metadata: MetadataStore) {
    this.#metadata = metadata;
  }

  /** Counts one download of the repo; never fails or waits for the store. */
  count(repo: Repo): void {
    if (this.#pending.size === 0) {
      setImmediate(() => {
        void this.flush().catch(() => undefined);
      });
    }
    this.#pending.set(repo.id, (this.#pending.get(repo.id) ?? 0) + 1);
  }

  /** Writes the counts added up so far. */
  async flush(): Promise<void> {
    const pending = [...this.#pending];
    this.#pending.clear();
    for (const [repoId, count] of pending) {
      await this.#metadata.countDownload(repoId, count);
    }
  }
}
