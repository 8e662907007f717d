import { write, writeSync } from 'node:fs';

import type { SequentialHasher, Segment } from './sequential-hasher.ts';

/** A test hook called before each write with its file offset and length; it may throw (ENOSPC). */
export type WriteHook = (offset: number, length: number) => void;

export interface SlabWriterOptions {
  readonly fd: number;
  /** The segment the slabs fill, from `start + written` on; `written` grows as writes complete. */
  readonly segment: Segment;
  readonly hasher: SequentialHasher;
  readonly writeFault?: WriteHook | undefined;
  readonly onBytes?: ((bytes: number) => void) | undefined;
  /**
   * Write on the thread pool behind the receive loop (true), or synchronously in `push` (false:
   * one slab is reused while it is hot in the CPU cache, and no thread hand-off is paid).
   */
  readonly behind?: boolean | undefined;
  /** Called once with the first write error, so the receiver can stop. */
  readonly onFailure?: ((error: unknown) => void) | undefined;
  /**
   * Called when bytes arrive past the segment's end, which moved back because another connection
   * took the rest of the range: the receiver can stop. Those bytes are not written.
   */
  readonly onRangeEnd?: (() => void) | undefined;
}

interface Job {
  readonly slab: Buffer;
  readonly length: number;
  readonly offset: number;
  /** Returns the slab to the receiver; safe to call more than once. */
  readonly release: () => void;
}

/**
 * Writes the slabs of one segment in order with positional writes; each written slab is hashed,
 * counted in `segment.written` and progress, then released for reuse. With `behind`, writes run
 * on libuv's thread pool (one in flight, so the receive loop never blocks on the disk) and the
 * next write starts before the finished slab is hashed, so hashing and writing overlap.
 */
export class SlabWriter {
  readonly #options: SlabWriterOptions;
  readonly #queue: Job[] = [];
  #next: number;
  #busy = false;
  #failure: Error | undefined;
  #waiters: (() => void)[] = [];

  constructor(options: SlabWriterOptions) {
    this.#options = options;
    this.#next = options.segment.start + options.segment.written;
  }

  /** The first write error, if any. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Queues `length` bytes at the start of `slab` for the next offset of the segment. */
  push(slab: Buffer, length: number, release: () => void): void {
    if (this.#failure !== undefined) {
      release();
      return;
    }
    const fits = this.#fit({ slab, length, offset: this.#next, release });
    if (fits === undefined) {
      return;
    }
    const job = fits;
    this.#next += job.length;
    if (this.#options.behind === true) {
      this.#queue.push(job);
      this.#pump();
      return;
    }
    try {
      this.#options.writeFault?.(job.offset, job.length);
      let done = 0;
      while (done < job.length) {
        const bytes = writeSync(this.#options.fd, slab, done, job.length - done, job.offset + done);
        if (bytes <= 0) {
          throw Object.assign(new Error('the disk accepted no bytes'), { code: 'EIO' });
        }
        done += bytes;
      }
    } catch (error) {
      this.#fail(error, job);
      return;
    }
    this.#completed(job);
  }

  /** Waits until every queued slab is written (or the writer failed); never rejects. */
  async settled(): Promise<void> {
    if (!this.#busy && this.#queue.length === 0) {
      return;
    }
    await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  /** Waits for every queued slab; rejects with the write error if one happened. */
  async drained(): Promise<void> {
    await this.settled();
    if (this.#failure !== undefined) {
      throw this.#failure;
    }
  }

  #pump(): void {
    if (this.#busy) {
      return;
    }
    const job = this.#queue.shift();
    if (job === undefined) {
      const waiters = this.#waiters;
      this.#waiters = [];
      for (const wake of waiters) {
        wake();
      }
      return;
    }
    // The segment may have been split since the slab was queued.
    const fits = this.#fit(job);
    if (fits === undefined) {
      this.#pump();
      return;
    }
    this.#busy = true;
    try {
      this.#options.writeFault?.(fits.offset, fits.length);
    } catch (error) {
      this.#fail(error, fits);
      return;
    }
    this.#writeFrom(fits, 0);
  }

  /**
   * The part of `job` inside the segment as it is now. Past its end (another connection took the
   * rest), the slab is released, the receiver told, and undefined returned when nothing is left.
   */
  #fit(job: Job): Job | undefined {
    const room = this.#options.segment.end - job.offset;
    if (job.length <= room) {
      return job;
    }
    this.#options.onRangeEnd?.();
    if (room <= 0) {
      job.release();
      return undefined;
    }
    return { ...job, length: room };
  }

  #writeFrom(job: Job, done: number): void {
    write(this.#options.fd, job.slab, done, job.length - done, job.offset + done, (error, bytes) => {
      if (error !== null) {
        this.#fail(error, job);
        return;
      }
      if (done + bytes < job.length) {
        if (bytes <= 0) {
          this.#fail(Object.assign(new Error('the disk accepted no bytes'), { code: 'EIO' }), job);
          return;
        }
        this.#writeFrom(job, done + bytes);
        return;
      }
      this.#busy = false;
      const more = this.#queue.length > 0;
      if (more) {
        this.#pump(); // The next write runs on the pool while this slab is hashed here.
      }
      this.#completed(job);
      if (!more) {
        this.#pump(); // Idle: wakes whoever waits for the queue to drain.
      }
    });
  }

  #completed(job: Job): void {
    const { segment, hasher, onBytes } = this.#options;
    try {
      // The hasher releases the slab once it is done with it (at once, or from a hashing thread).
      hasher.written(job.offset, job.slab.subarray(0, job.length), true, job.release);
      segment.written += job.length;
      onBytes?.(job.length);
    } catch (error) {
      this.#record(error);
      job.release();
    }
  }

  #fail(error: unknown, job: Job): void {
    job.release();
    this.#record(error);
    this.#busy = false;
    this.#pump();
  }

  #record(error: unknown): void {
    if (this.#failure !== undefined) {
      return;
    }
    this.#failure =
      error instanceof Error ? error : new Error('writing the download failed', { cause: error });
    for (const queued of this.#queue.splice(0)) {
      queued.release();
    }
    this.#options.onFailure?.(error);
  }
}
