import { createHash } from 'node:crypto';
import { Worker } from 'node:worker_threads';

import { createGitBlobHash } from '@modelhub/core';

/**
 * A running hash fed in file order. `update` may keep `bytes` until it calls `release` (then the
 * caller may reuse them); without `release` the bytes must not be kept beyond the call.
 */
export interface IncrementalHash {
  update(bytes: Buffer, release?: () => void): void;
  /**
   * Hashes bytes `[start, end)` of the file at `path`, read where the hash runs (so a worker
   * thread reads them itself, beside the caller's loop). Optional: without it the caller reads
   * the bytes and passes them to `update`.
   */
  updateFromFile?(path: string, start: number, end: number): Promise<void>;
  digest(): Promise<string>;
  /** Frees the hash's resources (a no-op for the in-thread hash). */
  close(): Promise<void>;
}

/** sha256 or the git blob sha1 of a `size`-byte file, computed on this thread. */
export function inThreadHash(algo: 'sha256' | 'git-sha1', size: number): IncrementalHash {
  const hash = algo === 'sha256' ? createHash('sha256') : createGitBlobHash(size);
  return {
    update(bytes, release) {
      hash.update(bytes);
      release?.();
    },
    digest: () => Promise.resolve(hash.digest('hex')),
    close: () => Promise.resolve(),
  };
}

// The worker: plain CommonJS with node builtins only, so it runs the same from sources, from the
// build and under the test runner.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const { createHash } = require('node:crypto');
const { openSync, readSync, closeSync } = require('node:fs');
const hash = createHash('sha256');
let readBuffer;
parentPort.on('message', (m) => {
  if (m.path !== undefined) {
    // A range of a file (resumed bytes): read and hashed here, 1 MiB at a time.
    readBuffer ??= Buffer.allocUnsafe(1 << 20);
    let failure;
    const fd = openSync(m.path, 'r');
    try {
      for (let at = m.start; at < m.end; ) {
        const n = readSync(fd, readBuffer, 0, Math.min(readBuffer.length, m.end - at), at);
        if (n <= 0) {
          failure = 'short read at ' + at + ' of ' + m.path;
          break;
        }
        hash.update(readBuffer.subarray(0, n));
        at += n;
      }
    } finally {
      closeSync(fd);
    }
    parentPort.postMessage(failure === undefined ? m.id : { id: m.id, failure });
  } else if (m.bytes !== undefined) {
    hash.update(m.bytes);
    parentPort.postMessage(m.id);
  } else {
    parentPort.postMessage({ digest: hash.digest('hex') });
  }
});
`;

/**
 * sha256 on a worker thread, so hashing runs beside the receive-and-write loop instead of inside
 * it. Its main input is `updateFromFile`: the worker reads the ranges itself (from the page cache,
 * right behind the writes), so the loop hands it no bytes and waits for nothing. Bytes given to
 * `update` are copied into the message. Messages are handled in order, so the digest covers the
 * bytes in the order they were given.
 */
export class ThreadHash implements IncrementalHash {
  readonly #worker: Worker;
  readonly #pending = new Map<number, (() => void) | undefined>();
  #next = 0;
  #failure: Error | undefined;
  #digest: ((hex: string) => void) | undefined;
  #digestFailed: ((error: Error) => void) | undefined;

  constructor() {
    this.#worker = new Worker(WORKER_SOURCE, { eval: true });
    this.#worker.on('message', (message: number | { digest: string } | { id: number; failure: string }) => {
      if (typeof message === 'number') {
        const release = this.#pending.get(message);
        this.#pending.delete(message);
        release?.();
      } else if ('failure' in message) {
        const release = this.#pending.get(message.id);
        this.#pending.delete(message.id);
        fail(new Error(message.failure));
        release?.();
      } else {
        this.#digest?.(message.digest);
      }
    });
    const fail = (error: Error): void => {
      this.#failure ??= error;
      for (const release of this.#pending.values()) {
        release?.();
      }
      this.#pending.clear();
      this.#digestFailed?.(this.#failure);
    };
    this.#worker.on('error', fail);
    this.#worker.on('exit', () => fail(new Error('the hashing thread exited')));
  }

  update(bytes: Buffer, release?: () => void): void {
    if (this.#failure === undefined) {
      const id = this.#next++;
      this.#pending.set(id, undefined);
      // Structured cloning copies the bytes: the caller may reuse them at once.
      this.#worker.postMessage({
        bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength),
        id,
      });
    }
    release?.();
  }

  updateFromFile(path: string, start: number, end: number): Promise<void> {
    if (this.#failure !== undefined) {
      return Promise.reject(this.#failure);
    }
    return new Promise<void>((resolve, reject) => {
      const id = this.#next++;
      // Settled when the worker is done with the range (or failed: then with the failure).
      this.#pending.set(id, () => (this.#failure === undefined ? resolve() : reject(this.#failure)));
      this.#worker.postMessage({ path, start, end, id });
    });
  }

  async digest(): Promise<string> {
    if (this.#failure !== undefined) {
      throw this.#failure;
    }
    return new Promise<string>((resolve, reject) => {
      this.#digest = resolve;
      this.#digestFailed = reject;
      this.#worker.postMessage({});
    });
  }

  async close(): Promise<void> {
    this.#failure ??= new Error('the hash was closed');
    await this.#worker.terminate();
  }
}
