import { createHash, type Hash } from 'node:crypto';
import type { FileHandle } from 'node:fs/promises';

import { createGitBlobHash } from '@modelhub/core';

/** A byte range of the file with how much of it is written so far. */
export interface Segment {
  readonly start: number;
  readonly end: number;
  written: number;
}

/**
 * Hashes a file that is being written out of order by parallel ranged requests, in one sequential
 * pass and while the download runs. Bytes arriving exactly at the hash cursor are hashed from
 * memory; bytes written ahead of it are read back (from the page cache) once the gap before them
 * is filled. Every byte of the final file, including bytes resumed from an earlier run, is hashed.
 */
export class SequentialHasher {
  readonly #hash: Hash;
  readonly #file: FileHandle;
  readonly #size: number;
  readonly #segments: Segment[];
  #cursor = 0;
  #index = 0;
  #tail: Promise<void> = Promise.resolve();
  #failure: unknown;

  constructor(algo: 'sha256' | 'git-sha1', size: number, file: FileHandle, segments: Segment[]) {
    this.#hash = algo === 'sha256' ? createHash('sha256') : createGitBlobHash(size);
    this.#size = size;
    this.#file = file;
    this.#segments = [...segments].sort((a, b) => a.start - b.start);
  }

  get hashedBytes(): number {
    return this.#cursor;
  }

  /** Reports bytes just written at `offset` (they are hashed from memory if they are next). */
  written(offset: number, buffers: readonly Buffer[]): void {
    this.#enqueue(async () => {
      if (offset === this.#cursor) {
        for (const buffer of buffers) {
          this.#hash.update(buffer);
          this.#cursor += buffer.byteLength;
        }
      }
      await this.#catchUp();
    });
  }

  /** Waits for the hash to reach the end of the file and returns its hex digest. */
  async digest(): Promise<string> {
    this.#enqueue(() => this.#catchUp());
    await this.#tail;
    if (this.#failure !== undefined) {
      throw this.#failure instanceof Error
        ? this.#failure
        : new Error('hashing failed', { cause: this.#failure });
    }
    if (this.#cursor !== this.#size) {
      throw new Error(`hashed ${this.#cursor} of ${this.#size} bytes: the file has gaps`);
    }
    return this.#hash.digest('hex');
  }

  #enqueue(task: () => Promise<void>): void {
    this.#tail = this.#tail.then(async () => {
      if (this.#failure === undefined) {
        try {
          await task();
        } catch (error) {
          this.#failure = error;
        }
      }
    });
  }

  /** The end of the contiguous written prefix that starts at the cursor. */
  #frontier(): number {
    let at = this.#cursor;
    while (this.#index < this.#segments.length) {
      const segment = this.#segments[this.#index];
      if (segment === undefined || segment.start > at) {
        break;
      }
      const writtenEnd = segment.start + segment.written;
      if (writtenEnd < segment.end) {
        return Math.max(at, writtenEnd);
      }
      at = Math.max(at, segment.end);
      this.#index += 1;
    }
    return at;
  }

  async #catchUp(): Promise<void> {
    const chunk = Buffer.allocUnsafe(1 << 20);
    for (let frontier = this.#frontier(); this.#cursor < frontier; frontier = this.#frontier()) {
      while (this.#cursor < frontier) {
        const want = Math.min(chunk.byteLength, frontier - this.#cursor);
        const { bytesRead } = await this.#file.read(chunk, 0, want, this.#cursor);
        if (bytesRead <= 0) {
          throw new Error(`short read at ${this.#cursor}`);
        }
        this.#hash.update(chunk.subarray(0, bytesRead));
        this.#cursor += bytesRead;
      }
    }
  }
}
