import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { BlobStore } from '../storage/blob-store.ts';

/** What one garbage collection pass did. */
export interface GcReport {
  /** False when another process held the leadership: this one did nothing. */
  readonly leader: boolean;
  readonly deletedBlobs: number;
  readonly freedBytes: number;
  /** Abandoned uploads whose staged bytes were dropped. */
  readonly sweptUploads: number;
}

const batch = 500;

/**
 * Deletes blobs no commit references and abandoned uploads, safely next to running uploads and
 * commits on any number of registry processes (Harbor's scheme): one leader at a time (an advisory
 * lock or a lease), a grace window (a blob touched within it is kept: it may be mid-upload or about
 * to be committed), and the blob row as the arbiter (a conditional claim that a concurrent touch or
 * commit defeats). Order: claim the row, delete the bytes, forget the row.
 */
export class GarbageCollector {
  readonly #metadata: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #graceMs: number;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<unknown> | undefined;

  constructor(metadata: MetadataStore, blobs: BlobStore, options: { graceSeconds: number }) {
    this.#metadata = metadata;
    this.#blobs = blobs;
    this.#graceMs = options.graceSeconds * 1000;
  }

  /**
   * One pass. Blobs untouched since `cutoff` (default: now minus the grace window) are collected;
   * uploads whose URLs expired before it are swept.
   */
  async run(options: { cutoff?: Date } = {}): Promise<GcReport> {
    const cutoff = options.cutoff ?? new Date(Date.now() - this.#graceMs);
    const report = await this.#metadata.withLeadership('gc', async () => {
      let deletedBlobs = 0;
      let freedBytes = 0;
      for (;;) {
        const claimed = await this.#metadata.claimGarbage(cutoff, batch);
        for (const blob of claimed) {
          await this.#blobs.delete(blob.sha256);
          await this.#metadata.forgetBlob(blob.sha256);
          deletedBlobs++;
          freedBytes += blob.size;
        }
        if (claimed.length < batch) {
          break;
        }
      }
      let sweptUploads = 0;
      for (;;) {
        const expired = await this.#metadata.expiredUploads(cutoff, batch);
        for (const upload of expired) {
          await this.#blobs.direct?.abortStagedUpload(upload.id, upload.storeUploadId);
          await this.#metadata.deleteUpload(upload.id);
          sweptUploads++;
        }
        if (expired.length < batch) {
          break;
        }
      }
      return { leader: true, deletedBlobs, freedBytes, sweptUploads };
    });
    return report ?? { leader: false, deletedBlobs: 0, freedBytes: 0, sweptUploads: 0 };
  }

  /** Runs a pass every `intervalSeconds` in the background (errors are left to the next pass). */
  start(intervalSeconds: number): void {
    if (intervalSeconds <= 0 || this.#timer !== undefined) {
      return;
    }
    this.#timer = setInterval(() => {
      this.#running ??= this.run()
        .catch(() => undefined)
        .finally(() => {
          this.#running = undefined;
        });
    }, intervalSeconds * 1000);
    this.#timer.unref();
  }

  /** Stops the background passes and waits for a running one. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#running;
  }
}
