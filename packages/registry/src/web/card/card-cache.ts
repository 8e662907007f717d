import type { RenderedCard } from './render-card.ts';

/**
 * Rendered cards by commit. A commit never changes, so an entry never goes stale; the least
 * recently used one leaves when the cache is full.
 */
export class CardCache {
  readonly #entries = new Map<string, RenderedCard>();
  readonly #capacity: number;

  /** @param capacity how many rendered cards to keep. @default 256 */
  constructor(capacity = 256) {
    this.#capacity = capacity;
  }

  /** The cached card of `key`, or the one `render` makes (then kept). */
  async get(key: string, render: () => Promise<RenderedCard>): Promise<RenderedCard> {
    const hit = this.#entries.get(key);
    if (hit !== undefined) {
      this.#entries.delete(key);
      this.#entries.set(key, hit);
      return hit;
    }
    const card = await render();
    this.#entries.set(key, card);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next();
      if (oldest.done !== true) {
        this.#entries.delete(oldest.value);
      }
    }
    return card;
  }

  /** How many cards are kept. */
  get size(): number {
    return this.#entries.size;
  }
}
