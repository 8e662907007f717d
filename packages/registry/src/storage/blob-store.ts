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
  /** Removes a blob (garbage collection, once the metadata marked it `deleting`); absent is fine. */
  delete(sha256: string): Promise<void>;
  /** Releases connections (an S3 client's sockets); optional. */
  close?(): void;
  /** Transfers straight between clients and the storage (presigned URLs), when it has them. */
  readonly direct?: DirectTransfers;
  /**
   * Discards what unfinished writes of a previous run left behind. Call it when the server
   * starts, never while another process may be writing to the same store.
   */
  recover(): Promise<void>;
}

/**
 * Transfers that bypass the registry process: an object store hands out presigned URLs. Uploads
 * only ever go to per-upload staging keys (`staging/<uploadId>`), never to a blob's live key; the
 * registry re-hashes the staged bytes before it promotes them (a server-side copy to the live key).
 */
export interface DirectTransfers {
  /** A URL serving the blob (GET, HEAD, Range) for `ttlSeconds` with no other credential. */
  presignGet(sha256: string, options: { ttlSeconds: number; filename: string }): Promise<string>;
  /** Starts a staged upload in `parts` parts; the storage's multipart upload id (null for one part). */
  beginStagedUpload(uploadId: string, parts: number): Promise<string | null>;
  /** Presigned PUT URLs into the staging key: one for a single part, else one per part (1-based order). */
  presignStagedUpload(
    uploadId: string,
    storeUploadId: string | null,
    parts: number,
    ttlSeconds: number,
  ): Promise<string[]>;
  /**
   * Joins the parts (when multipart) and hashes the staged bytes: INTEGRITY_MISMATCH when they are
   * not the expected object, ENTRY_NOT_FOUND when nothing was uploaded yet.
   */
  verifyStagedUpload(
    uploadId: string,
    storeUploadId: string | null,
    parts: readonly { partNumber: number; etag: string }[] | null,
    expected: { sha256: string; size: number },
  ): Promise<StoredBlob>;
  /** Copies verified staged bytes to the blob's live key, then drops the staging key. */
  promoteStagedUpload(uploadId: string, sha256: string, size: number): Promise<void>;
  /** Drops whatever a staged upload left (best effort: some stores cannot abort multipart uploads). */
  abortStagedUpload(uploadId: string, storeUploadId: string | null): Promise<void>;
}
