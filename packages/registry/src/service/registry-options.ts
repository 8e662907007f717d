/** Tunables of a registry; every field has a production default. */
export interface RegistryOptions {
  /** Files at least this large go through LFS even when they look like text. @default 10 MiB */
  readonly lfsThreshold: number;
  /** LFS objects larger than this are uploaded in parts (the Hub's multipart transfer). @default 512 MiB */
  readonly multipartThreshold: number;
  /** Part size of a multipart upload. @default 128 MiB */
  readonly multipartChunkSize: number;
  /** The largest object the LFS batch accepts. @default 50 GiB */
  readonly maxObjectSize: number;
  /** The largest NDJSON commit body (inline files travel base64-encoded inside it). @default 64 MiB */
  readonly maxCommitBodySize: number;
  /** The largest JSON / form body of every other call. @default 4 MiB */
  readonly maxJsonBodySize: number;
  /** How long an LFS upload URL stays valid, in seconds. @default 3600 */
  readonly uploadUrlTtl: number;
  /** Memory for small blobs served without touching the disk (0 turns it off). @default 128 MiB */
  readonly smallBlobCacheBytes: number;
  /** The largest blob kept in that memory. @default 4 MiB */
  readonly smallBlobMaxBytes: number;
  /** Commits (with their file lists) kept in memory; commits never change. @default 64 */
  readonly commitCacheSize: number;
  /** How long a presigned download URL (302 from /resolve/) stays valid, in seconds. @default 3600 */
  readonly downloadUrlTtl: number;
  /** Answer /resolve/ of LFS files with a 302 to the blob store when it can presign. @default true */
  readonly redirectDownloads: boolean;
  /**
   * Garbage collection keeps any blob touched within this window, in seconds: it must exceed the
   * upload URL lifetime plus the longest gap between an upload and its commit. @default 86400
   */
  readonly gcGraceSeconds: number;
  /** Seconds between background GC passes in `hub serve` (0: never; `hub gc` runs one). @default 3600 */
  readonly gcIntervalSeconds: number;
}

const MiB = 1024 * 1024;

/** The defaults, overridden field by field. */
export function registryOptions(overrides: Partial<RegistryOptions> = {}): RegistryOptions {
  return {
    lfsThreshold: 10 * MiB,
    multipartThreshold: 512 * MiB,
    multipartChunkSize: 128 * MiB,
    maxObjectSize: 50 * 1024 * MiB,
    maxCommitBodySize: 64 * MiB,
    maxJsonBodySize: 4 * MiB,
    uploadUrlTtl: 3600,
    smallBlobCacheBytes: 128 * MiB,
    smallBlobMaxBytes: 4 * MiB,
    commitCacheSize: 64,
    downloadUrlTtl: 3600,
    redirectDownloads: true,
    gcGraceSeconds: 86_400,
    gcIntervalSeconds: 3600,
    ...overrides,
  };
}
