import { connect, type Socket } from 'node:net';

import { BodyBuffers } from './body-buffers.ts';
import { MAX_HEAD, parseHead, socketError, type SocketResponseHead } from './socket-get.ts';
import { Stalled } from './transfer-guard.ts';

/** How a pooled GET ended. */
export type PooledGetResult =
  /** The whole body, exactly the expected size, in a buffer of its own. */
  | { readonly kind: 'body'; readonly body: Buffer }
  /** Not a plain 200 of the expected length: the caller asks again through a full HTTP client. */
  | { readonly kind: 'other'; readonly head: SocketResponseHead };

export interface PooledGet {
  /** A plain-http URL on the pool's origin. */
  readonly url: URL;
  /** Request headers (Host is added; the connection is kept alive). */
  readonly headers: Readonly<Record<string, string>>;
  /** The body size the caller expects (the published file size). */
  readonly size: number;
  readonly signal?: AbortSignal | undefined;
  /** A request that receives nothing for this long fails with a retryable `Stalled` (default 30 s). */
  readonly stallMs?: number | undefined;
}

/** The first read buffer of a response: most heads fit; a larger one grows it up to MAX_HEAD. */
const HEAD_BYTES = 16 << 10;

/** What one connection is doing: idle, reading a head, or reading a body into its own buffer. */
interface Exchange {
  readonly size: number;
  /** Bytes already received into `body` (or into `head` while the head is incomplete). */
  received: number;
  head: SocketResponseHead | undefined;
  body: Buffer | undefined;
  /** True once any byte of the response arrived (a reused connection that fails before may be retried). */
  answered: boolean;
  readonly done: (result: PooledGetResult) => void;
  readonly fail: (error: Error) => void;
}

interface Connection {
  readonly socket: Socket;
  headBuffer: Buffer;
  /** Bytes in `headBuffer`. */
  fill: number;
  exchange: Exchange | undefined;
  /** A connection that served a response before (the server may have closed it meanwhile). */
  reused: boolean;
  /** False once the connection may not carry another request. */
  reusable: boolean;
  /** Its last request failed before any byte of the response arrived. */
  unanswered: boolean;
}

/**
 * Keep-alive plain-HTTP/1.1 connections for the GETs of small files. Each response is read
 * straight from the kernel into a buffer of the published size (reused: `BodyBuffers`): no
 * per-chunk allocation, no parser between bytes and buffer, and the connection is reused for the
 * next file. Anything but a `200` with exactly that Content-Length and no transfer or content
 * coding (a redirect, an error status, a chunked body) comes back as `other`, and the connection
 * is closed: the caller hands such files to its full HTTP client, which follows redirects and
 * reads error bodies. Transport failures reject with retryable coded errors (`UND_ERR_SOCKET`,
 * `UND_ERR_BODY_TIMEOUT`); a reused connection that the server closed before answering is
 * replaced once, at no retry's cost.
 */
export class SocketPool {
  readonly origin: string;
  /** Where bodies are received; a caller gives a body back once it has written it. */
  readonly buffers = new BodyBuffers();
  readonly #host: string;
  readonly #port: number;
  readonly #idle: Connection[] = [];
  readonly #all = new Set<Connection>();
  #closed = false;
  #bypassed = false;

  constructor(origin: string) {
    const url = new URL(origin);
    if (url.protocol !== 'http:') {
      throw new TypeError(`SocketPool serves plain http only, not ${url.protocol}`);
    }
    this.origin = url.origin;
    this.#host = url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname;
    this.#port = url.port === '' ? 80 : Number(url.port);
  }

  /** True when `url` can go through this pool. */
  accepts(url: string): boolean {
    return !this.#closed && !this.#bypassed && url.startsWith(`${this.origin}/`);
  }

  /**
   * Sends every later request to the full client (the registry redirects downloads elsewhere, so
   * a first try here would only cost a round trip per file).
   */
  bypass(): void {
    this.#bypassed = true;
  }

  async get(request: PooledGet): Promise<PooledGetResult> {
    for (let fresh = false; ; fresh = true) {
      const connection = fresh ? this.#connect() : (this.#idle.pop() ?? this.#connect());
      try {
        return await this.#exchange(connection, request);
      } catch (error) {
        // The server closed an idle keep-alive connection as the request went out: not a fault.
        const replaceable =
          !fresh && connection.reused && connection.unanswered && !(error instanceof Stalled);
        if (replaceable && request.signal?.aborted !== true) {
          continue;
        }
        throw error;
      }
    }
  }

  /** Closes every connection (in use ones fail with a socket error). */
  close(): void {
    this.#closed = true;
    for (const connection of this.#all) {
      connection.socket.destroy();
    }
    this.#all.clear();
    this.#idle.length = 0;
  }

  #exchange(connection: Connection, request: PooledGet): Promise<PooledGetResult> {
    const { socket } = connection;
    const { url, signal } = request;
    let text = `GET ${url.pathname}${url.search} HTTP/1.1\r\nhost: ${url.host}\r\n`;
    for (const [name, value] of Object.entries(request.headers)) {
      if (/[\r\n]/.test(name) || /[\r\n]/.test(value)) {
        this.#release(connection);
        return Promise.reject(new TypeError(`invalid request header ${name}`));
      }
      text += `${name}: ${value}\r\n`;
    }
    if (signal?.aborted === true) {
      this.#release(connection);
      return Promise.reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
    }
    return new Promise<PooledGetResult>((resolve, reject) => {
      const onAbort = (): void => {
        socket.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const settle = (): void => {
        signal?.removeEventListener('abort', onAbort);
        socket.setTimeout(0);
        connection.exchange = undefined;
        this.#release(connection);
      };
      connection.exchange = {
        size: request.size,
        received: 0,
        head: undefined,
        body: undefined,
        answered: false,
        done: (result) => {
          settle();
          resolve(result);
        },
        fail: (error) => {
          connection.reusable = false;
          connection.unanswered = connection.exchange?.answered !== true;
          settle();
          reject(error);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      socket.setTimeout(request.stallMs ?? 30_000);
      socket.ref();
      socket.write(`${text}\r\n`);
    });
  }

  /** Back to the idle list, or closed when it may not carry another request. */
  #release(connection: Connection): void {
    if (connection.reusable && !this.#closed) {
      connection.reused = true;
      connection.socket.unref();
      this.#idle.push(connection);
    } else {
      this.#all.delete(connection);
      connection.socket.destroy();
    }
  }

  #connect(): Connection {
    // Node asks for the first read buffer inside connect(), so the read state exists before the
    // socket; the same object then becomes the connection.
    const reading = {
      headBuffer: Buffer.allocUnsafe(HEAD_BYTES),
      fill: 0,
      exchange: undefined as Exchange | undefined,
    };
    const socket = connect({
      host: this.#host,
      port: this.#port,
      noDelay: true,
      onread: {
        // Asked after every read: the body's free tail while a body is read, else the head buffer's.
        buffer: () => {
          const exchange = reading.exchange;
          return exchange?.body !== undefined
            ? exchange.body.subarray(exchange.received)
            : reading.headBuffer.subarray(reading.fill);
        },
        callback: (bytes) => this.#onRead(connection, bytes),
      },
    });
    const connection: Connection = Object.assign(reading, {
      socket,
      reused: false,
      reusable: true,
      unanswered: false,
    });
    const gone = (error: Error): void => {
      connection.reusable = false;
      const index = this.#idle.indexOf(connection);
      if (index >= 0) {
        this.#idle.splice(index, 1);
      }
      this.#all.delete(connection);
      connection.exchange?.fail(error);
    };
    socket.on('timeout', () => socket.destroy(new Stalled()));
    socket.on('error', (error) => gone(error));
    socket.on('end', () => gone(socketError('the connection closed before the response ended')));
    socket.on('close', () => gone(socketError('the connection closed')));
    this.#all.add(connection);
    return connection;
  }

  /** One read landed in place; returns false to stop reading (the connection is being closed). */
  #onRead(connection: Connection, bytes: number): boolean {
    const exchange = connection.exchange;
    if (exchange === undefined) {
      // Bytes nobody asked for: the connection is out of step with its requests.
      connection.socket.destroy(socketError('unexpected bytes on an idle connection'));
      return false;
    }
    exchange.answered = true;
    if (exchange.body !== undefined) {
      exchange.received += bytes;
      if (exchange.received === exchange.size) {
        exchange.done({ kind: 'body', body: exchange.body });
      }
      return true;
    }
    connection.fill += bytes;
    try {
      return this.#readHead(connection, exchange);
    } catch (error) {
      connection.socket.destroy(error as Error);
      return false;
    }
  }

  /** Parses the head once it is complete and moves body bytes that came with it into the body. */
  #readHead(connection: Connection, exchange: Exchange): boolean {
    const buffer = connection.headBuffer;
    const end = buffer.subarray(0, connection.fill).indexOf('\r\n\r\n');
    if (end < 0) {
      if (connection.fill === buffer.byteLength) {
        if (buffer.byteLength >= MAX_HEAD) {
          throw socketError('the response head is too large');
        }
        const larger = Buffer.allocUnsafe(buffer.byteLength * 2);
        buffer.copy(larger, 0, 0, connection.fill);
        connection.headBuffer = larger;
      }
      return true;
    }
    const head = parseHead(buffer.toString('latin1', 0, end));
    const extra = connection.fill - (end + 4);
    connection.fill = 0;
    const plain =
      head.status === 200 &&
      head.bodyLength === exchange.size &&
      (head.headers['content-encoding'] ?? 'identity') === 'identity';
    if (!plain) {
      // The full client asks again; this connection's remaining bytes are not worth reading.
      connection.reusable = false;
      exchange.done({ kind: 'other', head });
      return false;
    }
    if (/\bclose\b/i.test(head.headers['connection'] ?? '')) {
      connection.reusable = false;
    }
    exchange.head = head;
    const body = this.buffers.take(exchange.size);
    if (extra > exchange.size) {
      // More than this response: a server that pipelines unasked bytes is not one to reuse.
      connection.reusable = false;
    }
    exchange.received = buffer.copy(body, 0, end + 4, end + 4 + Math.min(extra, exchange.size));
    exchange.body = body;
    if (exchange.received === exchange.size) {
      exchange.done({ kind: 'body', body });
    }
    return true;
  }
}
