import type { Readable } from 'node:stream';

/** What a finished blob write proved about the bytes. */
export interface StoredBlob {
  readonly sha256: string;
  readonly size: number;
}

/** What the writer promises the bytes are; a mismatch refuses the write and keeps nothing. */
export interface BlobExpectation {
  readonly sha256?: string;
  readonly size?: number;
  /** Refuse the stream as soon as it grows past this many bytes. */
  readonly maxSize: number;
}

/**
 * Content-addressed storage for file contents, keyed by sha256. Blobs appear atomically: a write
 * that fails, is refused, or is cut short by a crash leaves nothing visible. The file-system
 * implementation is the embedded default; an S3-compatible one can sit behind the same contract.
 */
export interface BlobStore {
  /** The size of a stored blob, or undefined if it is absent. */
  stat(sha256: string): Promise<number | undefined>;
  /** Streams a blob, or the inclusive byte range [start, end] of it. */
  read(sha256: string, range?: { start: number; end: number }): Readable;
  /** Streams bytes into the store, checking them against the expectation. */
  write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: BlobExpectation,
  ): Promise<StoredBlob>;
  /** Stores one part of a multipart upload; returns the part's ETag. */
  writePart(
    uploadId: string,
    partNumber: number,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    maxSize: number,
  ): Promise<string>;
  /** Joins the parts, in order, into a blob that must match the expectation; parts are then dropped. */
  completeParts(
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
    expected: BlobExpectation,
  ): Promise<StoredBlob>;
  /**
   * Discards what unfinished writes of a previous run left behind. Call it when the server
   * starts, never while another process may be writing to the same store.
   */
  recover(): Promise<void>;
}
