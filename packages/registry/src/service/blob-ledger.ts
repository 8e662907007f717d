import { ModelhubError } from '@modelhub/core';

import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { BlobExpectation, BlobStore, StoredBlob } from '../storage/blob-store.ts';

/** A write that met a garbage collection pass deleting the same blob: the client retries (503). */
export function blobBeingCollected(sha256: string): ModelhubError {
  return new ModelhubError('UNAVAILABLE', `The object ${sha256} is being garbage-collected right now.`, {
    hint: 'Retry in a few seconds; the upload will then store it again.',
    details: { oid: sha256, retryAfter: 2 },
  });
}

/**
 * Every write of blob bytes, paired with its metadata row: the bytes go to the BlobStore first,
 * then the row says `verified` (touched now, so garbage collection leaves it for a grace window).
 * A blob that GC is deleting at that moment is refused with a retryable error rather than
 * written under it.
 */
export class BlobLedger {
  readonly #metadata: MetadataStore;
  readonly #blobs: BlobStore;

  constructor(metadata: MetadataStore, blobs: BlobStore) {
    this.#metadata = metadata;
    this.#blobs = blobs;
  }

  /** Stores bytes (checked against `expected`) as a verified blob. */
  async put(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: BlobExpectation,
  ): Promise<StoredBlob> {
    if (
      expected.sha256 !== undefined &&
      (await this.#metadata.touchBlob(expected.sha256))?.state === 'deleting'
    ) {
      throw blobBeingCollected(expected.sha256);
    }
    const stored = await this.#blobs.write(source, expected);
    await this.record(stored);
    return stored;
  }

  /** Records bytes the store already holds under their sha256 as a verified blob. */
  async record(stored: StoredBlob): Promise<void> {
    if (!(await this.#metadata.recordBlob(stored.sha256, stored.size))) {
      throw blobBeingCollected(stored.sha256);
    }
  }

  /** A blob usable by a commit: verified, with its size; touched so GC leaves it alone. */
  async usable(sha256: string): Promise<number | undefined> {
    const record = await this.#metadata.touchBlob(sha256);
    return record?.state === 'verified' ? record.size : undefined;
  }
}
