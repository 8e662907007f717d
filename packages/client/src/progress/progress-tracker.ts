/** Per-file progress inside a pull. */
export interface FileProgress {
  readonly path: string;
  readonly bytes: number;
  readonly total: number;
}

/** Events a pull reports while it runs. */
export type PullEvent =
  | {
      readonly type: 'resolved';
      readonly endpoint: string;
      readonly repo: string;
      readonly revision: string | undefined;
      readonly commit: string;
      readonly via: 'name' | 'alias' | 'search' | 'lockfile';
    }
  | {
      readonly type: 'plan';
      readonly files: number;
      readonly totalBytes: number;
      readonly cachedBytes: number;
      readonly downloadBytes: number;
    }
  | {
      readonly type: 'progress';
      /** Bytes of the files being downloaded that are on disk (resumed bytes included). */
      readonly bytes: number;
      readonly total: number;
      /** Bytes per second over the last few seconds. */
      readonly rate: number;
      /** Files in flight. */
      readonly files: readonly FileProgress[];
    }
  | { readonly type: 'file'; readonly path: string; readonly size: number; readonly cached: boolean }
  | {
      readonly type: 'wait-lock';
      readonly path: string;
      readonly holder: { pid: number; host: string } | undefined;
    }
  | { readonly type: 'retry'; readonly path: string; readonly reason: string }
  /**
   * A file resumes from an interrupted download: `bytes` of its `size` are already on disk (they
   * count in `progress` and are hashed while the rest downloads).
   */
  | { readonly type: 'resume'; readonly path: string; readonly bytes: number; readonly size: number };

/** Byte-weighted progress across all files of a pull, throttled to ~10 events a second. */
export class ProgressTracker {
  readonly #emit: ((event: PullEvent) => void) | undefined;
  readonly #files = new Map<string, { bytes: number; total: number }>();
  readonly #samples: { at: number; bytes: number }[] = [];
  #bytes = 0;
  #total = 0;
  #lastEmit = 0;

  constructor(emit: ((event: PullEvent) => void) | undefined) {
    this.#emit = emit;
  }

  event(event: PullEvent): void {
    this.#emit?.(event);
  }

  setTotal(total: number): void {
    this.#total = total;
  }

  start(path: string, total: number): void {
    this.#files.set(path, { bytes: 0, total });
  }

  add(path: string, bytes: number): void {
    const file = this.#files.get(path);
    if (file !== undefined) {
      file.bytes += bytes;
    }
    this.#bytes += bytes;
    this.#maybeEmit(false);
  }

  /**
   * Bytes a file already has on disk from an interrupted download: they count towards `bytes`
   * but not towards the transfer rate.
   */
  addResumed(path: string, bytes: number): void {
    for (const sample of this.#samples) {
      sample.bytes += bytes;
    }
    this.add(path, bytes);
  }

  finish(path: string): void {
    this.#files.delete(path);
    this.#maybeEmit(true);
  }

  /** Emits a last progress event (bytes = total when everything finished). */
  flush(): void {
    this.#maybeEmit(true);
  }

  #maybeEmit(force: boolean): void {
    if (this.#emit === undefined) {
      return;
    }
    const now = Date.now();
    if (!force && now - this.#lastEmit < 100) {
      return;
    }
    this.#lastEmit = now;
    this.#samples.push({ at: now, bytes: this.#bytes });
    while (this.#samples.length > 2 && now - (this.#samples[0]?.at ?? now) > 3000) {
      this.#samples.shift();
    }
    const first = this.#samples[0];
    const seconds = first === undefined ? 0 : (now - first.at) / 1000;
    const rate = first === undefined || seconds <= 0 ? 0 : (this.#bytes - first.bytes) / seconds;
    this.#emit({
      type: 'progress',
      bytes: this.#bytes,
      total: this.#total,
      rate,
      files: [...this.#files].map(([path, f]) => ({ path, bytes: f.bytes, total: f.total })),
    });
  }
}
