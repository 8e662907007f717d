import type { FileEntry } from '@modelhub/core';

import type { ClientOptions } from '../config/client-config.ts';
import type { BandwidthLimit } from '../http/bandwidth-limit.ts';
import type { RequestObserver } from '../http/hub-http.ts';
import type { RetryPolicy } from '../http/retry-policy.ts';
import type { MetadataTtls } from '../metadata/metadata-cache.ts';
import type { PullEvent } from '../progress/progress-tracker.ts';
import type { Variant } from '../select/select-files.ts';
import type { LocalDirResult } from './local-dir.ts';
import type { TransferTuning } from '../transfer/download-blob.ts';

/** Tuning knobs of the transfer engine (all optional; the defaults suit most links). */
export interface PullTuning extends TransferTuning {
  /** Files downloaded at once (default 8). */
  readonly concurrentFiles?: number | undefined;
  /** HTTP requests in flight at once across all files (default 16). */
  readonly maxConnections?: number | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /**
   * Files up to this size are fetched into memory, hashed there and written once, under one lock
   * per repo (default 4 MiB; 0 turns it off). Larger files get partial files, resume state and
   * per-blob locks.
   */
  readonly smallFileThreshold?: number | undefined;
  /**
   * Small files from a plain-http registry travel over keep-alive raw connections, each body read
   * straight into a buffer of its published size (default true; false keeps them on undici).
   */
  readonly smallFileSockets?: boolean | undefined;
  /** A blob lock whose heartbeat is older than this is taken over (default 30 s). */
  readonly lockStaleMs?: number | undefined;
  readonly metadataTtls?: Partial<MetadataTtls> | undefined;
}

export interface PullOptions extends ClientOptions {
  /** Only files matching these globs (a pattern without "/" also matches base names). */
  readonly include?: readonly string[] | undefined;
  readonly exclude?: readonly string[] | undefined;
  /** Quantised ONNX variant (Transformers.js suffixes: q8 → `*_quantized.onnx`, fp16, q4, …). */
  readonly variant?: Variant | undefined;
  /** Revision when the reference names none (default `main`). */
  readonly revision?: string | undefined;
  readonly onProgress?: ((event: PullEvent) => void) | undefined;
  /** Lockfile path: written after the pull, or read with `frozen`. */
  readonly lockfile?: string | undefined;
  /** Install exactly what `lockfile` says, with no resolution requests; fail on any drift. */
  readonly frozen?: boolean | undefined;
  /** Resolve and plan only: report files, bytes, what is cached and free disk; download nothing. */
  readonly dryRun?: boolean | undefined;
  /**
   * Also put the files in this folder as ordinary files (copies of the verified blobs,
   * copy-on-write where the filesystem can), for tools that want a plain folder.
   */
  readonly localDir?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /**
   * Download at most this many bytes per second, all files and connections together (at least
   * 64 KiB/s). Pass one `BandwidthLimit` to several pulls to share a budget between them.
   */
  readonly limitRate?: number | BandwidthLimit | undefined;
  readonly tuning?: PullTuning | undefined;
  /** Observes every HTTP request (tests and benchmarks count them). */
  readonly onRequest?: RequestObserver | undefined;
}

/** One planned file of a pull. */
export interface PlannedFile extends FileEntry {
  readonly cached: boolean;
}

export interface PullResult {
  readonly endpoint: string;
  readonly repo: string;
  /** The revision asked for (or the alias's), when not a commit. */
  readonly revision: string | undefined;
  readonly commit: string;
  /** The snapshot folder: `<cache>/models--ns--name/snapshots/<commit>`. */
  readonly dir: string;
  readonly files: FileEntry[];
  /** How the reference was resolved. */
  readonly via: 'name' | 'alias' | 'search' | 'lockfile';
  readonly dryRun: boolean;
  readonly plan: {
    readonly files: readonly PlannedFile[];
    readonly totalBytes: number;
    readonly cachedBytes: number;
    readonly downloadBytes: number;
    /** Free bytes on the cache's disk. */
    readonly freeBytes: number | undefined;
  };
  /** Bytes actually transferred by this call (resumed bytes not included). */
  readonly downloadedBytes: number;
  /** Bytes reused from partial files an interrupted pull left (not transferred again). */
  readonly resumedBytes: number;
  /** With `localDir`: the folder, and how many files were copied there or already up to date. */
  readonly localDir?: LocalDirResult | undefined;
}
