import { ModelhubError } from '@modelhub/core';

import type { BlobStore } from './blob-store.ts';

/**
 * Small blobs kept in memory, least recently used out first, within a byte budget. Blobs are named
 * by their sha256, so a cached copy can never go stale. Serving a 30 KB config file from here
 * costs no file open, read or close, and no 1 MiB stream buffer; large blobs are streamed from
 * the store as before. Concurrent misses of one blob share a single read.
 */
export class SmallBlobCache {
  readonly maxItemBytes: number;
  readonly maxBytes: number;
  readonly #store: BlobStore;
  readonly #entries = new Map<string, Buffer>();
  readonly #loading = new Map<string, Promise<Buffer>>();
  #bytes = 0;

  constructor(store: BlobStore, options: { maxBytes: number; maxItemBytes: number }) {
    this.#store = store;
    this.maxBytes = options.maxBytes;
    this.maxItemBytes = Math.min(options.maxItemBytes, options.maxBytes);
  }

  /** True when a blob of this size is served from memory. */
  accepts(size: number): boolean {
    return size > 0 && size <= this.maxItemBytes;
  }

  /** Bytes held now. */
  get bytes(): number {
    return this.#bytes;
  }

  /** The bytes of a blob of `size` bytes (which `accepts`), from memory or read once from the store. */
  async get(sha256: string, size: number): Promise<Buffer> {
    const hit = this.#entries.get(sha256);
    if (hit !== undefined) {
      // Re-insert: Map order is the recency order.
      this.#entries.delete(sha256);
      this.#entries.set(sha256, hit);
      return hit;
    }
    let pending = this.#loading.get(sha256);
    if (pending === undefined) {
      pending = this.#load(sha256, size).finally(() => this.#loading.delete(sha256));
      this.#loading.set(sha256, pending);
    }
    return pending;
  }

  async #load(sha256: string, size: number): Promise<Buffer> {
    const bytes = Buffer.allocUnsafe(size);
    let at = 0;
    for await (const chunk of this.#store.read(sha256, {
      start: 0,
      end: size - 1,
    }) as AsyncIterable<Buffer>) {
      if (at + chunk.byteLength > size) {
        break;
      }
      chunk.copy(bytes, at);
      at += chunk.byteLength;
    }
    if (at !== size) {
      throw new ModelhubError('INTERNAL', `The stored blob ${sha256} is shorter than its ${size} bytes.`, {
        details: { sha256, expected: size, actual: at },
      });
    }
    this.#entries.set(sha256, bytes);
    this.#bytes += size;
    for (const [key, value] of this.#entries) {
      if (this.#bytes <= this.maxBytes) {
        break;
      }
      this.#entries.delete(key);
      this.#bytes -= value.byteLength;
    }
    return bytes;
  }
}
