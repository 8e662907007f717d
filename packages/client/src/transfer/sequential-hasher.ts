import type { FileHandle } from 'node:fs/promises';

import { inThreadHash, type IncrementalHash } from './incremental-hash.ts';

/**
 * How far the written prefix runs ahead before a hash that reads the file is asked to catch up:
 * one request per 4 MiB instead of one message per 512 KiB slab; small enough that the stretch
 * is still in the CPU's last-level cache, or at least in the page cache.
 */
const followStepBytes = 4 << 20;

/** A byte range of the file with how much of it is written so far. */
export interface Segment {
  readonly start: number;
  /** Moves back when an idle connection takes the rest of the range (`splitLargest`). */
  end: number;
  written: number;
}

/**
 * Hashes a file that is being written out of order by parallel ranged requests, in one sequential
 * pass and while the download runs. Every byte of the final file, including resumed bytes, is
 * hashed. Two ways, depending on the hash:
 * - A hash that reads files itself (`updateFromFile`: the worker thread) follows the file: each
 *   time the written prefix has grown by `followStepBytes`, the worker reads that stretch back from
 *   the page cache and hashes it, beside the receive-and-write loop. The loop hands it nothing:
 *   no copy of bytes that arrive ahead of the cursor, no message per slab, and the receive slabs
 *   are free again as soon as they are written. What is hashed is what the file holds.
 * - Otherwise bytes arriving exactly at the hash cursor are hashed at once; bytes arriving ahead
 *   of it are held in memory (up to `maxHeldBytes`) until the gap before them is filled, and what
 *   was not held (over the cap, or resumed) is read back from the file here.
 */
export class SequentialHasher {
  readonly #hash: IncrementalHash;
  readonly #file: FileHandle;
  /** The file's path, for a hash that reads ranges itself (`updateFromFile`). */
  readonly #path: string | undefined;
  readonly #size: number;
  readonly #segments: Segment[];
  readonly #maxHeld: number;
  readonly #held = new Map<number, readonly Buffer[]>();
  #heldBytes = 0;
  #queued = 0;
  #cursor = 0;
  #index = 0;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown;
  #readBuffer: Buffer | undefined;
  /** Set when the hash reads the file itself: nothing is held, the file is followed. */
  readonly #follows: boolean;

  constructor(
    algo: 'sha256' | 'git-sha1',
    size: number,
    file: FileHandle,
    segments: Segment[],
    maxHeldBytes = 64 << 20,
    hash: IncrementalHash = inThreadHash(algo, size),
    path?: string,
  ) {
    this.#hash = hash;
    this.#path = path;
    this.#size = size;
    this.#file = file;
    this.#segments = [...segments].sort((a, b) => a.start - b.start);
    this.#maxHeld = maxHeldBytes;
    this.#follows = path !== undefined && hash.updateFromFile !== undefined;
  }

  /** Adds a segment split off a running one (it starts past the hash cursor). */
  addSegment(segment: Segment): void {
    let at = this.#segments.length;
    while (at > this.#index && (this.#segments[at - 1]?.start ?? 0) > segment.start) {
      at -= 1;
    }
    this.#segments.splice(at, 0, segment);
  }

  /**
   * Starts hashing what is already written (resumed bytes) now, instead of when the first new
   * bytes arrive, so it runs while the rest downloads.
   */
  start(): void {
    this.#enqueue(() => this.#advance(0));
  }

  get hashedBytes(): number {
    return this.#cursor;
  }

  /** Bytes read back from the file so far (0 when everything was hashed from memory). */
  readBackBytes = 0;

  /**
   * Reports bytes just written at `offset` (call after the write completed). With `reusable`, the
   * caller will overwrite `bytes` once `release` is called (or, without `release`, once this
   * returns), so bytes held for later are copied. `release` is called exactly once.
   */
  written(offset: number, bytes: Buffer, reusable = false, release?: () => void): void {
    if (this.#follows) {
      // The bytes are in the file: the hash reads them from there once enough are written.
      release?.();
      // One task running and one waiting see every write: the waiting one starts from the
      // frontier as it is then.
      if (this.#queued < 2) {
        this.#enqueue(() => this.#advance(followStepBytes));
      }
      return;
    }
    if (offset === this.#cursor && this.#queued === 0 && this.#failure === undefined) {
      // The common case (in-order bytes, nothing waiting): hash now, no task, no copy.
      this.#hash.update(bytes, release);
      this.#cursor += bytes.byteLength;
      if (this.#held.size === 0) {
        return;
      }
    } else {
      if (
        offset === this.#cursor ||
        (offset > this.#cursor && this.#heldBytes + bytes.byteLength <= this.#maxHeld)
      ) {
        this.#held.set(offset, [reusable ? Buffer.from(bytes) : bytes]);
        this.#heldBytes += bytes.byteLength;
      }
      release?.();
    }
    this.#enqueue(() => this.#advance(0));
  }

  /** Waits for the hash to reach the end of the file and returns its hex digest. */
  async digest(): Promise<string> {
    this.#enqueue(() => this.#advance(0));
    await this.#tail;
    if (this.#failure !== undefined) {
      throw this.#failure instanceof Error
        ? this.#failure
        : new Error('hashing failed', { cause: this.#failure });
    }
    if (this.#cursor !== this.#size) {
      throw new Error(`hashed ${this.#cursor} of ${this.#size} bytes: the file has gaps`);
    }
    return this.#hash.digest();
  }

  #enqueue(task: () => Promise<void>): void {
    this.#queued += 1;
    this.#tail = this.#tail.then(async () => {
      if (this.#failure === undefined) {
        try {
          await task();
        } catch (error) {
          this.#failure = error;
        }
      }
      this.#queued -= 1;
    });
  }

  /** The end of the contiguous written prefix that starts at the cursor. */
  #frontier(): number {
    // Segments wholly behind the cursor are never looked at again.
    while ((this.#segments[this.#index]?.end ?? Infinity) <= this.#cursor) {
      this.#index += 1;
    }
    let at = this.#cursor;
    for (let i = this.#index; i < this.#segments.length; i += 1) {
      const segment = this.#segments[i];
      if (segment === undefined || segment.start > at) {
        break;
      }
      const writtenEnd = segment.start + segment.written;
      if (writtenEnd < segment.end) {
        return Math.max(at, writtenEnd);
      }
      at = Math.max(at, segment.end);
    }
    return at;
  }

  #dropStale(): void {
    for (const [offset, buffers] of this.#held) {
      if (offset < this.#cursor) {
        this.#held.delete(offset);
        this.#heldBytes -= buffers.reduce((n, b) => n + b.byteLength, 0);
      }
    }
  }

  /** Hashes up to the end of the written prefix, if at least `minBytes` are waiting there. */
  async #advance(minBytes: number): Promise<void> {
    for (;;) {
      const held = this.#held.get(this.#cursor);
      if (held !== undefined) {
        this.#held.delete(this.#cursor);
        for (const buffer of held) {
          this.#hash.update(buffer);
          this.#cursor += buffer.byteLength;
          this.#heldBytes -= buffer.byteLength;
        }
        continue;
      }
      const frontier = this.#frontier();
      if (this.#cursor >= frontier || (frontier < this.#size && frontier - this.#cursor < minBytes)) {
        return;
      }
      // Read back only up to the next bytes we still hold in memory.
      let stop = frontier;
      for (const offset of this.#held.keys()) {
        if (offset > this.#cursor && offset < stop) {
          stop = offset;
        }
      }
      if (this.#path !== undefined && this.#hash.updateFromFile !== undefined) {
        await this.#hash.updateFromFile(this.#path, this.#cursor, stop);
        this.readBackBytes += stop - this.#cursor;
        this.#cursor = stop;
        this.#dropStale();
        continue;
      }
      this.#readBuffer ??= Buffer.allocUnsafe(1 << 20);
      while (this.#cursor < stop) {
        const want = Math.min(this.#readBuffer.byteLength, stop - this.#cursor);
        const { bytesRead } = await this.#file.read(this.#readBuffer, 0, want, this.#cursor);
        if (bytesRead <= 0) {
          throw new Error(`short read at ${this.#cursor}`);
        }
        this.#hash.update(this.#readBuffer.subarray(0, bytesRead));
        this.#cursor += bytesRead;
        this.readBackBytes += bytesRead;
      }
      this.#dropStale();
    }
  }
}
