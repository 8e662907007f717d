/** Bodies below this size come from Node's shared allocation pool; recycling them saves nothing. */
const MIN_POOLED = 16 << 10;

/**
 * Body buffers for small-file downloads, reused once a file is written. The kernel copies a
 * response into its buffer, and the first write to each 4 KiB page of a fresh buffer is a page
 * fault: ~10,000 of them for a 40 MB pull, a tenth of the process's CPU on a virtual machine. A
 * buffer is handed back only after its bytes are hashed and on disk, and lent again for a body
 * of the same size class (powers of two), newest first (its pages are still in the caches).
 */
export class BodyBuffers {
  readonly #free = new Map<number, Buffer[]>();
  readonly #maxPooledBytes: number;
  #pooledBytes = 0;

  constructor(maxPooledBytes = 32 << 20) {
    this.#maxPooledBytes = maxPooledBytes;
  }

  /** A buffer of exactly `size` bytes (its contents are old bytes: the caller fills it). */
  take(size: number): Buffer {
    if (size < MIN_POOLED) {
      return Buffer.allocUnsafe(size);
    }
    const capacity = capacityFor(size);
    const reused = this.#free.get(capacity)?.pop();
    if (reused !== undefined) {
      this.#pooledBytes -= capacity;
      return reused.subarray(0, size);
    }
    return Buffer.allocUnsafeSlow(capacity).subarray(0, size);
  }

  /** Returns a buffer from `take` that nothing reads or writes any more. */
  give(buffer: Buffer): void {
    if (buffer.byteLength < MIN_POOLED) {
      return;
    }
    const capacity = capacityFor(buffer.byteLength);
    if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== capacity) {
      return; // not one of ours
    }
    if (this.#pooledBytes + capacity > this.#maxPooledBytes) {
      return;
    }
    this.#pooledBytes += capacity;
    const list = this.#free.get(capacity);
    const whole = Buffer.from(buffer.buffer, 0, capacity);
    if (list === undefined) {
      this.#free.set(capacity, [whole]);
    } else {
      list.push(whole);
    }
  }
}

function capacityFor(size: number): number {
  return 2 ** Math.ceil(Math.log2(size));
}
