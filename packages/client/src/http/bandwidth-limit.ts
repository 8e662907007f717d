import { ModelhubError } from '@modelhub/core';

import { parseSize } from '../cache/parse-size.ts';

/**
 * The lowest limit: a response chunk is up to 64 KiB, so at this rate one chunk means a pause of
 * about a second, well inside the stall watchdog (which sees no bytes while a transfer waits).
 */
export const MIN_BYTES_PER_SECOND = 64 << 10;

export interface BandwidthLimitOptions {
  /** Bytes that may go through at full speed after an idle spell (default: 250 ms worth). */
  readonly burstBytes?: number | undefined;
  /** The clock, in milliseconds (tests inject one). */
  readonly now?: (() => number) | undefined;
}

/**
 * A download budget in bytes per second, shared by every transfer it is handed to (several files,
 * ranged parts, even several pulls in one process). Transfers report what they received with
 * `take()` and pause for the milliseconds it returns, so the total stays at the rate however many
 * connections are open. It is a virtual schedule (GCRA): each byte has a due time at the rate, and
 * a burst of `burstBytes` may run ahead of it.
 */
export class BandwidthLimit {
  readonly bytesPerSecond: number;
  readonly #burstMs: number;
  readonly #now: () => number;
  /** When the bytes taken so far are due at the rate. */
  #due = Number.NEGATIVE_INFINITY;
  #bytes = 0;
  #pauses = 0;

  constructor(bytesPerSecond: number, options: BandwidthLimitOptions = {}) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < MIN_BYTES_PER_SECOND) {
      throw new ModelhubError(
        'INVALID_ARGUMENT',
        `A bandwidth limit must be at least ${MIN_BYTES_PER_SECOND / 1024} KiB/s, not ${String(bytesPerSecond)} bytes/s.`,
        { hint: 'Write rates like 500K, 10M or 1.5MiB (bytes per second).' },
      );
    }
    this.bytesPerSecond = bytesPerSecond;
    this.#burstMs = ((options.burstBytes ?? bytesPerSecond / 4) * 1000) / bytesPerSecond;
    this.#now = options.now ?? (() => performance.now());
  }

  /** Accounts for `bytes` received; returns how long to pause before reading more (0: go on). */
  take(bytes: number): number {
    const now = this.#now();
    this.#due = Math.max(this.#due, now) + (bytes * 1000) / this.bytesPerSecond;
    this.#bytes += bytes;
    const wait = this.#due - now - this.#burstMs;
    if (wait <= 0) {
      return 0;
    }
    this.#pauses += 1;
    return Math.ceil(wait);
  }

  /** Bytes accounted for so far. */
  get bytes(): number {
    return this.#bytes;
  }

  /** How many times a transfer was told to pause. */
  get pauses(): number {
    return this.#pauses;
  }
}

/** Parses `--limit-rate` text (`500K`, `10M`, `1.5MiB`, `2MB/s`) into a limit. */
export function parseBandwidth(text: string): BandwidthLimit {
  return new BandwidthLimit(parseSize(text.replace(/\/s$/i, '')));
}
