import { connect, type Socket } from 'node:net';

/** The status line and headers of a response (lower-cased names, repeats joined with ", "). */
export interface SocketResponseHead {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  /** The body's length from Content-Length; undefined for chunked or close-delimited bodies. */
  readonly bodyLength: number | undefined;
}

/** What to do with a body: drop `skip` bytes, then hand the next `keep` bytes to the sink. */
export interface BodyPlan {
  readonly skip: number;
  readonly keep: number;
}

/** Receives the body in large slabs; each slab belongs to the sink until it calls `release`. */
export interface SlabSink {
  /** Called with the head; returns the plan for the body, or undefined to close without reading it. */
  head(head: SocketResponseHead): BodyPlan | undefined;
  /** `length` body bytes at the start of `slab`, in order. */
  slab(slab: Buffer, length: number, release: () => void): void;
  /** Called on every read (the stall watchdog's heartbeat). */
  activity?(): void;
  /**
   * How many body bytes (after `skip`) are still wanted, asked on every read: the transfer ends
   * early once it falls below the plan's `keep` (another connection took the rest of the range).
   */
  wanted?(): number;
}

export interface SocketGetOptions {
  readonly url: URL;
  /** Request headers (Host and Connection are added). */
  readonly headers: Readonly<Record<string, string>>;
  readonly sink: SlabSink;
  /** Aborting destroys the socket; the bytes already received are still handed to the sink. */
  readonly signal: AbortSignal;
  /** Size of one receive slab (default 512 KiB, at least 128 KiB). */
  readonly slabBytes?: number | undefined;
  /** Slabs per request (default: 4 MiB worth, at least 4): the memory bound of one transfer. */
  readonly slabs?: number | undefined;
}

/** The response head's size limit (also of the keep-alive connections in socket-pool.ts). */
export const MAX_HEAD = 64 << 10;
/** A slab with less room than this is handed on rather than filled by a short read. */
const MIN_READ = 32 << 10;

function asError(reason: unknown): Error {
  return reason instanceof Error ? reason : new Error('the transfer was aborted', { cause: reason });
}

/**
 * A failure of a raw-socket exchange, coded as undici codes its socket errors, so the retry policy
 * treats both transports alike.
 */
export function socketError(message: string): Error {
  return Object.assign(new Error(message), { code: 'UND_ERR_SOCKET' });
}

/** Parses `HTTP/1.1 206 Partial Content\r\nName: value\r\n…` (without the blank line). */
export function parseHead(text: string): SocketResponseHead {
  const lines = text.split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0] ?? '');
  if (match?.[1] === undefined) {
    throw socketError(`malformed HTTP status line: ${JSON.stringify((lines[0] ?? '').slice(0, 80))}`);
  }
  const headers: Record<string, string | undefined> = {};
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) {
      throw socketError(`malformed HTTP header line: ${JSON.stringify(line.slice(0, 80))}`);
    }
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    const seen = headers[name];
    headers[name] = seen === undefined ? value : `${seen}, ${value}`;
  }
  const chunked = /\bchunked\b/i.test(headers['transfer-encoding'] ?? '');
  const length = headers['content-length'];
  const bodyLength = !chunked && length !== undefined && /^\d+$/.test(length) ? Number(length) : undefined;
  return { status: Number(match[1]), headers, bodyLength };
}

/**
 * One plain-HTTP/1.1 GET on its own connection, with the body read straight into large reusable
 * slabs: the socket's `onread` buffer is the free tail of the current slab, so bytes go from the
 * kernel into the slab with no per-chunk allocation, no copy and no parser in between. Full slabs
 * go to the sink in order; when all slabs are with the sink, reading pauses until one comes back
 * (bounded memory, TCP backpressure). Resolves with the head once the planned body bytes arrived
 * (or at once if the sink declined the body); rejects with a retryable coded error when the
 * connection fails or closes early, after handing over every byte that did arrive.
 */
export function socketGet(options: SocketGetOptions): Promise<SocketResponseHead> {
  const { url, sink, signal } = options;
  const slabBytes = Math.max(128 << 10, options.slabBytes ?? 512 << 10);
  const free: Buffer[] = [];
  let allocated = 0;
  const slabLimit = Math.max(2, options.slabs ?? Math.max(4, Math.ceil((4 << 20) / slabBytes)));
  const takeSlab = (): Buffer | undefined => {
    const slab = free.pop();
    if (slab !== undefined || allocated >= slabLimit) {
      return slab;
    }
    allocated += 1;
    return Buffer.allocUnsafe(slabBytes);
  };
  // Where a read lands while every slab is with the sink (at most one read, after a pause).
  const reserve = Buffer.allocUnsafe(MIN_READ);
  let request = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\nconnection: close\r\n`;
  for (const [name, value] of Object.entries(options.headers)) {
    if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
      return Promise.reject(new TypeError(`invalid request header ${name}`));
    }
    request += `${name}: ${value}\r\n`;
  }
  if (signal.aborted) {
    return Promise.reject(asError(signal.reason));
  }

  return new Promise<SocketResponseHead>((resolve, reject) => {
    let slab: Buffer | undefined = takeSlab();
    let fill = 0;
    let head: SocketResponseHead | undefined;
    let plan: BodyPlan = { skip: 0, keep: 0 };
    let kept = 0;
    let paused = false;
    let settled = false;

    const handOver = (): void => {
      if (slab !== undefined && fill > 0) {
        const full = slab;
        slab = undefined;
        const length = fill;
        fill = 0;
        let released = false;
        sink.slab(full, length, () => {
          if (released) {
            return;
          }
          released = true;
          free.push(full);
          if (paused && !settled) {
            paused = false;
            slab = takeSlab();
            socket.resume();
          }
        });
      }
    };
    const finish = (error: unknown): void => {
      if (settled) {
        return;
      }
      settled = true;
      signal.removeEventListener('abort', onAbort);
      // Every byte that arrived is written, so a retry resumes after it.
      if (head !== undefined) {
        handOver();
      }
      socket.destroy();
      if (error !== undefined) {
        reject(asError(error));
      } else if (head === undefined) {
        reject(socketError('the connection closed before a response head'));
      } else {
        resolve(head);
      }
    };
    const onAbort = (): void => finish(signal.reason);

    /** Consumes the head once it is complete in the slab; false while more bytes are needed. */
    const readHead = (current: Buffer): boolean => {
      const end = current.subarray(0, fill).indexOf('\r\n\r\n');
      if (end < 0) {
        if (fill >= MAX_HEAD) {
          throw socketError('the response head is too large');
        }
        return false;
      }
      head = parseHead(current.toString('latin1', 0, end));
      const decided = sink.head(head);
      if (decided === undefined) {
        fill = 0;
        finish(undefined);
        return true;
      }
      plan = decided;
      current.copyWithin(0, end + 4, fill);
      fill -= end + 4;
      return true;
    };

    /** Applies skip and keep to the fresh bytes at the end of the slab; true when the body is done. */
    const accept = (current: Buffer, before: number): boolean => {
      if (plan.skip > 0 && fill > before) {
        const dropped = Math.min(plan.skip, fill - before);
        current.copyWithin(before, before + dropped, fill);
        fill -= dropped;
        plan = { skip: plan.skip - dropped, keep: plan.keep };
      }
      const fresh = fill - before;
      const keep = Math.min(plan.keep, sink.wanted?.() ?? Number.POSITIVE_INFINITY);
      if (kept + fresh >= keep) {
        fill = before + Math.max(0, keep - kept);
        kept = Math.max(kept, keep);
        return true;
      }
      kept += fresh;
      return false;
    };

    const onRead = (bytes: number, buffer: Buffer): boolean => {
      if (settled) {
        return false;
      }
      sink.activity?.();
      try {
        const current = slab ?? takeSlab();
        if (current === undefined) {
          throw socketError('received bytes with no slab to hold them');
        }
        slab = current;
        if (buffer === reserve) {
          reserve.copy(current, fill, 0, bytes);
        }
        // Bytes before `before` were accepted by earlier reads; the head's bytes are never body.
        let before = fill;
        fill += bytes;
        if (head === undefined) {
          if (!readHead(current) || settled) {
            return !settled;
          }
          before = 0;
          if (plan.keep === 0) {
            finish(undefined);
            return false;
          }
        }
        if (accept(current, before)) {
          finish(undefined);
          return false;
        }
        if (slabBytes - fill < MIN_READ) {
          handOver();
          slab = takeSlab();
          if (slab === undefined) {
            paused = true;
            return false;
          }
        }
        return true;
      } catch (error) {
        finish(error);
        return false;
      }
    };

    const port = url.port === '' ? 80 : Number(url.port);
    const host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    const socket: Socket = connect({
      host,
      port,
      noDelay: true,
      onread: {
        buffer: () => (slab === undefined ? reserve : slab.subarray(fill)),
        callback: onRead,
      },
    });
    signal.addEventListener('abort', onAbort, { once: true });
    socket.write(`${request}\r\n`);
    socket.on('error', (error) => finish(error));
    socket.on('end', () => {
      if (head !== undefined && plan.keep > kept) {
        finish(socketError(`the connection closed after ${kept} of ${plan.keep} body bytes`));
      } else {
        finish(undefined);
      }
    });
    socket.on('close', () => finish(socketError('the connection closed')));
  });
}
