/** A transfer that received no byte for too long (undici's own body timeout has this code). */
export class Stalled extends Error {
  readonly code = 'UND_ERR_BODY_TIMEOUT';
  constructor() {
    super('no bytes received for too long');
  }
}

/**
 * The abort side of one request, whatever the transport: it aborts when the caller's signal does,
 * and a watchdog aborts it when no byte arrived for `stallMs` (the transport calls `touch()` on
 * every arrival). `dispose()` when the request is over.
 */
export class TransferGuard {
  readonly controller = new AbortController();
  #lastData = Date.now();
  #stalled = false;
  readonly #watchdog: ReturnType<typeof setInterval>;
  readonly #signal: AbortSignal | undefined;
  readonly #onAbort = (): void => this.controller.abort(this.#signal?.reason);

  constructor(signal: AbortSignal | undefined, stallMs: number) {
    this.#signal = signal;
    this.#watchdog = setInterval(
      () => {
        if (Date.now() - this.#lastData > stallMs) {
          this.#stalled = true;
          this.controller.abort(new Stalled());
        }
      },
      Math.max(10, Math.floor(stallMs / 4)),
    );
    signal?.addEventListener('abort', this.#onAbort, { once: true });
  }

  touch(): void {
    this.#lastData = Date.now();
  }

  /** What to throw for a failed request: `Stalled` when the watchdog cut it, else `error`. */
  failure(error: unknown): unknown {
    return this.#stalled ? new Stalled() : error;
  }

  dispose(): void {
    clearInterval(this.#watchdog);
    this.#signal?.removeEventListener('abort', this.#onAbort);
  }
}

/** Checks that a 206 answers the range asked for, from byte `from` (else a retryable socket error). */
export function assertRangeStart(contentRange: string | undefined, from: number): void {
  const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(contentRange ?? '');
  if (match === null || Number(match[1]) !== from) {
    throw Object.assign(new Error(`unexpected Content-Range ${contentRange ?? ''}`), {
      code: 'UND_ERR_SOCKET',
    });
  }
}
