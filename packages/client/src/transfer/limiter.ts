/** A counting semaphore: at most `size` tasks run at once, the rest wait in FIFO order. */
export class Limiter {
  readonly size: number;
  #active = 0;
  readonly #queue: (() => void)[] = [];

  constructor(size: number) {
    this.size = Math.max(1, size);
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.#active >= this.size) {
      await new Promise<void>((resolve) => this.#queue.push(resolve));
    } else {
      this.#active += 1;
    }
    try {
      return await task();
    } finally {
      const next = this.#queue.shift();
      if (next === undefined) {
        this.#active -= 1;
      } else {
        next();
      }
    }
  }
}
