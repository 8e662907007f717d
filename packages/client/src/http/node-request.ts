import type * as Http from 'node:http';
import type { Agent as HttpAgent, IncomingMessage, RequestOptions } from 'node:http';
import type * as Https from 'node:https';

/**
 * A response body read at most once: as JSON, text, bytes, chunk by chunk, or discarded. The
 * surface of undici's body that the client uses, over Node's own `IncomingMessage`.
 */
export interface ResponseBody extends AsyncIterable<Buffer> {
  json(): Promise<unknown>;
  text(): Promise<string>;
  arrayBuffer(): Promise<ArrayBuffer>;
  /** Discards the rest of the body (a short one is drained so its connection is reused). */
  dump(): Promise<void>;
}

/** Bodies up to this size are drained by `dump()`; a longer one closes its connection instead. */
const DRAIN_LIMIT = 128 * 1024;

class MessageBody implements ResponseBody {
  readonly #message: IncomingMessage;

  constructor(message: IncomingMessage) {
    this.#message = message;
  }

  async #bytes(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this.#message) {
      chunks.push(chunk as Buffer);
    }
    return chunks.length === 1 && chunks[0] !== undefined ? chunks[0] : Buffer.concat(chunks);
  }

  async text(): Promise<string> {
    return (await this.#bytes()).toString('utf8');
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = await this.#bytes();
    return new Uint8Array(bytes).buffer; // a copy of exactly the body's bytes
  }

  dump(): Promise<void> {
    const message = this.#message;
    if (message.readableEnded || message.destroyed) {
      return Promise.resolve();
    }
    // A body already received, or short, is drained so its connection goes back to the agent.
    const length = Number(message.headers['content-length']);
    if (!message.complete && !(length <= DRAIN_LIMIT)) {
      message.destroy();
      return Promise.resolve();
    }
    return new Promise((done) => {
      message.on('end', done).on('close', done).on('error', done).resume();
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<Buffer> {
    return this.#message[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  }
}

export interface NodeRequest {
  readonly url: string;
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | undefined;
  readonly signal?: AbortSignal | undefined;
  /** No response head within this time fails the request with a retryable timeout. */
  readonly headersTimeoutMs: number;
  /** A body that sends nothing for this long fails (default 120 s, undici's body timeout). */
  readonly bodyTimeoutMs?: number | undefined;
}

export interface NodeResponse {
  readonly status: number;
  /** Node's lower-cased headers; repeated ones as arrays (set-cookie) or joined. */
  readonly headers: Http.IncomingHttpHeaders;
  readonly body: ResponseBody;
}

/** A transport error with the code the retry policy and `networkError` read. */
function coded(message: string, code: string): Error {
  return Object.assign(new Error(message), { code });
}

/**
 * Keep-alive agents per protocol, made on first use. `node:https` (and TLS) loads only when an
 * https URL is asked for: a plain-http registry never pays for it. Both come from
 * `process.getBuiltinModule`, not `import`: an ES import of `node:http` reads every export, and
 * its `WebSocket` getter loads Node's bundled undici (~14 ms). Node unrefs idle keep-alive
 * sockets, so they never keep a process alive.
 */
export class NodeAgents {
  readonly #maxSockets: number;
  #http: HttpAgent | undefined;
  #https: Https.Agent | undefined;

  constructor(maxSockets: number) {
    this.#maxSockets = maxSockets;
  }

  forUrl(url: URL): { agent: HttpAgent; request: typeof Http.request } {
    if (url.protocol === 'https:') {
      const https = process.getBuiltinModule('node:https');
      this.#https ??= new https.Agent({ keepAlive: true, maxSockets: this.#maxSockets });
      return { agent: this.#https, request: https.request };
    }
    const http = process.getBuiltinModule('node:http');
    this.#http ??= new http.Agent({ keepAlive: true, maxSockets: this.#maxSockets });
    return { agent: this.#http, request: http.request };
  }

  destroy(): void {
    this.#http?.destroy();
    this.#https?.destroy();
  }
}

/**
 * One request through Node's built-in HTTP client (its llhttp is native code). The client sends
 * its metadata calls this way rather than through undici, whose parser is WebAssembly that every
 * fresh process compiles again: ~100 ms of CPU before the first answer of a `hub` command (see
 * DEVELOPERS.md). Resolves with the response head; the caller consumes or dumps the body.
 */
export function nodeRequest(agents: NodeAgents, req: NodeRequest): Promise<NodeResponse> {
  return new Promise((resolve, reject) => {
    const target = new URL(req.url);
    const { agent, request } = agents.forUrl(target);
    const options: RequestOptions = {
      method: req.method,
      headers:
        req.body === undefined
          ? req.headers
          : { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
      agent,
      ...(req.signal === undefined ? {} : { signal: req.signal }),
    };
    const bodyTimeoutMs = req.bodyTimeoutMs ?? 120_000;
    let message: IncomingMessage | undefined;
    const outgoing = request(target, options, (answer) => {
      message = answer;
      outgoing.setTimeout(bodyTimeoutMs);
      resolve({ status: answer.statusCode ?? 0, headers: answer.headers, body: new MessageBody(answer) });
    });
    // One idle timer per phase: waiting for the head, then between body chunks.
    outgoing.setTimeout(req.headersTimeoutMs);
    outgoing.on('timeout', () => {
      if (message === undefined) {
        outgoing.destroy(
          coded(
            `No response from ${target.host} within ${req.headersTimeoutMs} ms.`,
            'UND_ERR_HEADERS_TIMEOUT',
          ),
        );
      } else {
        message.destroy(
          coded(`The answer from ${target.host} stalled for ${bodyTimeoutMs} ms.`, 'UND_ERR_BODY_TIMEOUT'),
        );
      }
    });
    outgoing.on('error', (error) => {
      reject(req.signal?.aborted === true && req.signal.reason instanceof Error ? req.signal.reason : error);
    });
    outgoing.end(req.body);
  });
}
