import { Writable } from 'node:stream';

import type { Agent, Dispatcher } from 'undici';

import { ModelhubError, describeIssues, isModelhubError, type DocumentSchema } from '@modelhub/core';

import type { ClientConfig } from '../config/client-config.ts';
import type { BandwidthLimit } from './bandwidth-limit.ts';
import { errorFromResponse, networkError } from './http-errors.ts';
import { NodeAgents, nodeRequest, type NodeResponse, type ResponseBody } from './node-request.ts';
import { loadUndiciParts, type UndiciParts } from './undici-parts.ts';
import {
  backoffDelay,
  defaultRetryPolicy,
  delay,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
  type RetryPolicy,
} from './retry-policy.ts';

/** One request as the client sends it (before redirects). */
export interface HttpRequest {
  readonly method: 'GET' | 'HEAD' | 'POST';
  readonly url: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
  readonly signal?: AbortSignal | undefined;
}

/** A response whose body the caller must consume or dump. */
export interface HttpResponse {
  readonly status: number;
  /** Lower-cased header names; repeated headers joined with ", ". */
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: ResponseBody;
  /** The URL that answered, after redirects. */
  readonly url: string;
}

/** Called once per HTTP request that leaves the process (tests and benchmarks count them). */
export type RequestObserver = (info: { method: string; url: string }) => void;

export interface HubHttpOptions {
  readonly endpoint: string;
  readonly token?: string | undefined;
  readonly retry?: Partial<RetryPolicy> | undefined;
  /** Connections per origin (default 16). */
  readonly connections?: number | undefined;
  /** Time to wait for response headers (default 30 s). */
  readonly headersTimeoutMs?: number | undefined;
  readonly onRequest?: RequestObserver | undefined;
  readonly userAgent?: string | undefined;
  /** A download budget for the response bodies of `stream` and `fetchBody`. */
  readonly bandwidth?: BandwidthLimit | undefined;
  /** Where `token` came from, for messages (`HF_TOKEN`, `hub login`…); never the token. */
  readonly tokenSource?: string | undefined;
  /** Told once when the registry rejected the token and a read went on without it. */
  readonly onTokenRejected?: ((message: string) => void) | undefined;
}

/** What error mapping needs to know about the token of a failed request. */
export interface AuthContext {
  /** A token was sent. */
  readonly authenticated: boolean;
  readonly tokenSource?: string;
  /** The registry answered 401 to the token, and the request went again without it. */
  readonly tokenRejected?: true;
}

/** A GET whose body a caller consumes (`stream`, `fetchBody`). */
type BodyRequest = Omit<HttpRequest, 'method' | 'body'>;

/** How a body GET ended: the last hop's status, headers and URL; a non-2xx body as text. */
export interface BodyResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly url: string;
  readonly body: string;
}

let undiciParts: UndiciParts | undefined;

/**
 * undici, loaded on the first request rather than with this module: its modules are a large part
 * of a `hub` process's start-up, and a pull served from the cache or a lockfile sends none.
 */
function loadUndici(): UndiciParts {
  return (undiciParts ??= loadUndiciParts());
}

/** Redirects followed per request, by every transport. */
export const MAX_REDIRECTS = 5;

/** The URL a redirect from `url` (hop number `hop`) leads to; fails past {@link MAX_REDIRECTS}. */
function nextHop(url: string, location: string, hop: number): string {
  if (hop >= MAX_REDIRECTS) {
    throw new ModelhubError('HTTP_ERROR', `Too many redirects, last from ${url}.`, { details: { url } });
  }
  return new URL(location, url).toString();
}

/**
 * What a failed GET with a body throws: the abort reason when aborted; the error as is once a
 * response had begun (`status` set), for a full disk under the body's sink, or when already coded;
 * otherwise a coded network error.
 */
function transferError(
  cause: unknown,
  url: string,
  signal: AbortSignal | undefined,
  status: number,
): unknown {
  if (signal?.aborted === true) {
    return signal.reason instanceof Error ? signal.reason : cause;
  }
  if (status !== 0 || (cause as { code?: string }).code === 'ENOSPC' || isModelhubError(cause)) {
    return cause;
  }
  return networkError(cause, url);
}

/**
 * A Writable in front of `inner` that holds each write's callback until `limit` allows more
 * bytes: backpressure then stops undici from reading the socket.
 */
function paced(inner: Writable, limit: BandwidthLimit): Writable {
  return new Writable({
    highWaterMark: inner.writableHighWaterMark,
    write(chunk: Buffer, encoding, callback) {
      inner.write(chunk, encoding, (error) => {
        if (error !== null && error !== undefined) {
          callback(error);
          return;
        }
        const wait = limit.take(chunk.byteLength);
        if (wait > 0) {
          setTimeout(callback, wait);
        } else {
          callback();
        }
      });
    },
    final(callback) {
      inner.end(callback);
    },
    destroy(error, callback) {
      inner.destroy(error ?? undefined);
      callback(error);
    },
  });
}

function flattenHeaders(
  raw: Readonly<Record<string, string | string[] | undefined>>,
): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(raw)) {
    out[key.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

/**
 * The client's HTTP transport: metadata calls (`send`) through Node's own keep-alive agents,
 * body downloads (`stream`, `fetchBody`) through one keep-alive undici Agent; the token sent only
 * to the registry's own origin (never across a redirect to another host), manual redirects, and
 * retries with exponential backoff, full jitter and `Retry-After` for metadata calls.
 */
export class HubHttp {
  readonly endpoint: string;
  readonly retry: RetryPolicy;
  readonly #origin: string;
  readonly #token: string | undefined;
  readonly #tokenSource: string | undefined;
  readonly #onTokenRejected: ((message: string) => void) | undefined;
  /** Set once the registry answered 401 to the token: every later request goes without it. */
  #tokenRejected = false;
  #warned = false;
  /** Made on the first body download (see `loadUndici`). */
  #agent: Agent | undefined;
  /** Node's keep-alive agents for `send` (metadata calls), made on the first one. */
  #nodeAgents: NodeAgents | undefined;
  readonly #connections: number;
  readonly #onRequest: RequestObserver | undefined;
  readonly #userAgent: string;
  readonly #headersTimeoutMs: number;
  /** The download budget, if any (also read by the transfers that bypass this class). */
  readonly bandwidth: BandwidthLimit | undefined;

  constructor(options: HubHttpOptions) {
    this.endpoint = options.endpoint;
    this.#origin = new URL(options.endpoint).origin;
    this.#token = options.token;
    this.#tokenSource = options.tokenSource;
    this.#onTokenRejected = options.onTokenRejected;
    this.retry = { ...defaultRetryPolicy, ...options.retry };
    this.#headersTimeoutMs = options.headersTimeoutMs ?? 30_000;
    this.#connections = options.connections ?? 16;
    this.#onRequest = options.onRequest;
    this.#userAgent = options.userAgent ?? 'modelhub-client/0.1';
    this.bandwidth = options.bandwidth;
  }

  /** A client for the registry `config` names, with its scoped token and warnings. */
  static forConfig(
    config: Pick<ClientConfig, 'endpoint' | 'token' | 'tokenSource' | 'onWarning'>,
    options: Omit<HubHttpOptions, 'endpoint' | 'token' | 'tokenSource' | 'onTokenRejected'> = {},
  ): HubHttp {
    return new HubHttp({
      ...options,
      endpoint: config.endpoint,
      token: config.token,
      tokenSource: config.tokenSource,
      onTokenRejected: (message) => config.onWarning({ code: 'TOKEN_REJECTED', message }),
    });
  }

  /** undici and the keep-alive agent, both made on the first request. */
  #undici(): { undici: UndiciParts; agent: Agent } {
    const undici = loadUndici();
    this.#agent ??= new undici.Agent({
      connections: this.#connections,
      keepAliveTimeout: 30_000,
      headersTimeout: this.#headersTimeoutMs,
      // The stall watchdog in the downloader decides when a body has stopped; this is a backstop.
      bodyTimeout: 120_000,
    });
    return { undici, agent: this.#agent };
  }

  /** True while requests to the registry carry a token. */
  get hasToken(): boolean {
    return this.#token !== undefined && !this.#tokenRejected;
  }

  /** The token facts an error message needs (see `errorFromResponse`). */
  authContext(): AuthContext {
    return {
      authenticated: this.hasToken,
      ...(this.#tokenSource === undefined ? {} : { tokenSource: this.#tokenSource }),
      ...(this.#tokenRejected ? { tokenRejected: true as const } : {}),
    };
  }

  /**
   * A read the registry answered 401 although it carried a token: huggingface.co answers so to a
   * revoked or mistyped token even for public repositories. The token is dropped for the rest of
   * this client's life and the read goes again without it (true); anything else keeps its answer.
   * Writes never go on without their token.
   */
  #dropRejectedToken(method: string, status: number, sentToken: boolean): boolean {
    if (status !== 401 || !sentToken || (method !== 'GET' && method !== 'HEAD')) {
      return false;
    }
    this.#tokenRejected = true;
    return true;
  }

  /** The first read that succeeded without the rejected token tells the user, once. */
  #readWithoutToken(status: number): void {
    if (!this.#tokenRejected || this.#warned || status < 200 || status >= 400) {
      return;
    }
    this.#warned = true;
    const source = this.#tokenSource === undefined ? 'the token' : `the token from ${this.#tokenSource}`;
    this.#onTokenRejected?.(
      `${new URL(this.endpoint).host} rejected ${source} (401); going on without a token, so only public repositories can be read. Fix or remove that token (hub whoami shows which one is used).`,
    );
  }

  /**
   * The headers of one request, for every transport (the Agent here, the raw-socket download
   * path elsewhere): user agent, then `extra`, then `Authorization` only for the registry's own
   * origin. Reports the request to the observer.
   */
  outgoingHeaders(
    url: string,
    extra: Readonly<Record<string, string>>,
    method: HttpRequest['method'] = 'GET',
  ): Record<string, string> {
    const headers: Record<string, string> = { 'user-agent': this.#userAgent, ...extra };
    if (this.hasToken && new URL(url).origin === this.#origin) {
      headers['authorization'] = `Bearer ${this.#token}`;
    }
    this.#onRequest?.({ method, url });
    return headers;
  }

  /** An absolute URL on the registry from a path such as `/api/models/a/b`. */
  url(path: string): string {
    return `${this.endpoint}${path}`;
  }

  /**
   * Sends one request (Node's HTTP client: see `nodeRequest`) and follows redirects itself
   * (`Authorization` goes only to the registry's origin). Transport failures become coded errors;
   * any HTTP status is returned as is, except that a read whose token the registry rejects goes
   * again without it (`#dropRejectedToken`).
   */
  async send(req: HttpRequest): Promise<HttpResponse> {
    const { res, sentToken } = await this.#sendFollowing(req);
    if (this.#dropRejectedToken(req.method, res.status, sentToken)) {
      await res.body.dump();
      const again = (await this.#sendFollowing(req)).res;
      this.#readWithoutToken(again.status);
      return again;
    }
    return res;
  }

  /** `send` without the rejected-token rule; says whether the answering hop got the token. */
  async #sendFollowing(req: HttpRequest): Promise<{ res: HttpResponse; sentToken: boolean }> {
    let url = req.url;
    for (let hop = 0; ; hop += 1) {
      const headers = this.outgoingHeaders(url, req.headers ?? {}, req.method);
      let res: NodeResponse;
      try {
        this.#nodeAgents ??= new NodeAgents(this.#connections);
        res = await nodeRequest(this.#nodeAgents, {
          url,
          method: req.method,
          headers,
          body: req.body,
          signal: req.signal,
          headersTimeoutMs: this.#headersTimeoutMs,
        });
      } catch (cause) {
        if (req.signal?.aborted === true) {
          throw req.signal.reason instanceof Error ? req.signal.reason : cause;
        }
        throw networkError(cause, url);
      }
      const location = res.headers['location'];
      if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
        await res.body.dump();
        url = nextHop(url, location, hop);
        continue;
      }
      return {
        res: { status: res.status, headers: flattenHeaders(res.headers), body: res.body, url },
        sentToken: headers['authorization'] !== undefined,
      };
    }
  }

  /**
   * GETs `url` and pipes a successful body into the Writable that `sink` returns (undici's
   * `stream()`: no intermediate Readable, the fastest path for large bodies). Redirects are
   * followed as in `send`; a non-2xx response is returned with its body discarded, so the caller
   * decides what to do.
   */
  stream(
    req: BodyRequest & {
      /** Abort when no body byte arrives for this long (undici's body timeout; default 120 s). */
      readonly bodyTimeoutMs?: number | undefined;
    },
    sink: (res: {
      status: number;
      headers: Readonly<Record<string, string | undefined>>;
      /** The URL that answered (after redirects). */
      url: string;
    }) => Writable,
  ): Promise<BodyResult> {
    return this.#getFollowing(req, async (url, headers, respond, keepError) => {
      const { undici, agent } = this.#undici();
      const target = new URL(url);
      await undici.stream(
        agent,
        {
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers,
          ...(req.signal === undefined ? {} : { signal: req.signal }),
          ...(req.bodyTimeoutMs === undefined ? {} : { bodyTimeout: req.bodyTimeoutMs }),
        },
        ({ statusCode, headers: raw }) => {
          const seen = respond(statusCode, raw);
          if (seen !== undefined) {
            const writable = sink({ status: statusCode, headers: seen, url });
            return this.bandwidth === undefined ? writable : paced(writable, this.bandwidth);
          }
          return new Writable({
            write(chunk: Buffer, _encoding, callback) {
              keepError(chunk);
              callback();
            },
          });
        },
      );
    });
  }

  /**
   * GETs `url` with a bare dispatch handler and no stream objects (the small-file path makes
   * hundreds of these per pull; undici's `stream()` costs a Writable and its state machine per
   * request). A 2xx body goes to `onData` chunk by chunk (an error thrown there aborts the request
   * and is rethrown); any other body is kept as text for the error. Redirects and the token as in
   * `send`, transport failures as in `stream`.
   */
  fetchBody(
    req: BodyRequest & { readonly bodyTimeoutMs?: number | undefined },
    onData: (chunk: Buffer) => void,
  ): Promise<BodyResult> {
    return this.#getFollowing(req, (url, headers, respond, keepError) =>
      this.#dispatchGet(url, headers, req, (statusCode, raw) =>
        respond(statusCode, raw) !== undefined ? onData : keepError,
      ),
    );
  }

  /**
   * The redirect loop of `stream` and `fetchBody`: one GET per hop through `get`, which calls
   * `respond` with the response head (it returns the flattened headers of a 2xx, whose body the
   * caller consumes, else undefined) and hands any other body to `keepError`, kept as the error's
   * text. Transport failures become coded errors.
   */
  async #getFollowing(
    req: BodyRequest,
    get: (
      url: string,
      headers: Record<string, string>,
      respond: (
        status: number,
        raw: Dispatcher.ResponseData['headers'],
      ) => Record<string, string | undefined> | undefined,
      keepError: (chunk: Buffer) => void,
    ) => Promise<void>,
  ): Promise<BodyResult> {
    let url = req.url;
    for (let hop = 0; ; hop += 1) {
      const headers = this.outgoingHeaders(url, req.headers ?? {});
      let status = 0;
      let seen: Record<string, string | undefined> = {};
      let errorBody = '';
      try {
        await get(
          url,
          headers,
          (statusCode, raw) => {
            status = statusCode;
            seen = flattenHeaders(raw);
            return statusCode >= 200 && statusCode < 300 ? seen : undefined;
          },
          (chunk) => {
            if (errorBody.length < 65_536) {
              errorBody += chunk.toString('utf8');
            }
          },
        );
      } catch (cause) {
        throw transferError(cause, url, req.signal, status);
      }
      const location = seen['location'];
      if (status >= 300 && status < 400 && location !== undefined) {
        url = nextHop(url, location, hop);
        continue;
      }
      if (this.#dropRejectedToken('GET', status, headers['authorization'] !== undefined)) {
        hop -= 1; // The same hop again, without the token.
        continue;
      }
      this.#readWithoutToken(status);
      return { status, headers: seen, url, body: errorBody };
    }
  }

  /** One GET through the agent's dispatcher; `onStart` returns the consumer of the body's chunks. */
  async #dispatchGet(
    url: string,
    headers: Record<string, string>,
    req: { readonly signal?: AbortSignal | undefined; readonly bodyTimeoutMs?: number | undefined },
    onStart: (status: number, headers: Dispatcher.ResponseData['headers']) => (chunk: Buffer) => void,
  ): Promise<void> {
    const { agent } = this.#undici();
    const target = new URL(url);
    const signal = req.signal;
    const bandwidth = this.bandwidth;
    return new Promise<void>((resolve, reject) => {
      if (signal?.aborted === true) {
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
        return;
      }
      let controller: Dispatcher.DispatchController | undefined;
      let consume: ((chunk: Buffer) => void) | undefined;
      let settled = false;
      const abortReason = (): Error =>
        signal?.reason instanceof Error ? signal.reason : new Error('The request was aborted.');
      const onAbort = (): void => controller?.abort(abortReason());
      const settle = (error: Error | undefined): void => {
        if (settled) {
          return;
        }
        settled = true;
        signal?.removeEventListener('abort', onAbort);
        if (error === undefined) {
          resolve();
        } else {
          reject(error);
        }
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      agent.dispatch(
        {
          origin: target.origin,
          path: `${target.pathname}${target.search}`,
          method: 'GET',
          headers,
          ...(req.bodyTimeoutMs === undefined ? {} : { bodyTimeout: req.bodyTimeoutMs }),
        },
        {
          onRequestStart(c) {
            controller = c;
            if (signal?.aborted === true) {
              c.abort(abortReason());
            }
          },
          onResponseStart(_c, statusCode, raw) {
            if (statusCode >= 200) {
              consume = onStart(statusCode, raw);
            }
          },
          onResponseData(c, chunk) {
            try {
              consume?.(chunk);
            } catch (error) {
              c.abort(error instanceof Error ? error : new Error(String(error)));
              return;
            }
            const wait = bandwidth?.take(chunk.byteLength) ?? 0;
            if (wait > 0) {
              c.pause();
              setTimeout(() => c.resume(), wait);
            }
          },
          onResponseEnd() {
            settle(undefined);
          },
          onResponseError(_c, error) {
            settle(error);
          },
        },
      );
    });
  }

  /**
   * Sends a request, retrying transport errors, 408/429/5xx (honouring `Retry-After`), and returns
   * the first response that is not retryable. Non-2xx responses become coded errors unless the
   * status is listed in `accept`.
   */
  async sendWithRetry(
    req: HttpRequest,
    context: Readonly<Record<string, unknown>> = {},
    accept: readonly number[] = [],
  ): Promise<HttpResponse> {
    for (let attempt = 0; ; attempt += 1) {
      let res: HttpResponse;
      try {
        res = await this.send(req);
      } catch (error) {
        if (attempt < this.retry.retries && isRetryableNetworkError(error) && req.signal?.aborted !== true) {
          await delay(backoffDelay(this.retry, attempt, undefined), req.signal);
          continue;
        }
        throw error;
      }
      if ((res.status >= 200 && res.status < 300) || accept.includes(res.status)) {
        return res;
      }
      if (isRetryableStatus(res.status) && attempt < this.retry.retries) {
        await res.body.dump();
        await delay(
          backoffDelay(this.retry, attempt, parseRetryAfter(res.headers['retry-after'])),
          req.signal,
        );
        continue;
      }
      const text = await readSmallBody(res);
      throw errorFromResponse(res.status, res.headers, text, {
        ...context,
        url: res.url,
        ...this.authContext(),
      });
    }
  }

  /** GETs JSON, validates it with `schema` (hand-written or zod), retrying as `sendWithRetry` does. */
  async getJson<T>(
    path: string,
    schema: DocumentSchema<T>,
    context: Readonly<Record<string, unknown>> = {},
    signal?: AbortSignal,
  ): Promise<{ data: T; headers: Readonly<Record<string, string | undefined>> }> {
    const url = path.startsWith('http') ? path : this.url(path);
    const res = await this.sendWithRetry(
      { method: 'GET', url, headers: { accept: 'application/json' }, signal },
      context,
    );
    let json: unknown;
    try {
      json = await res.body.json();
    } catch (cause) {
      throw new ModelhubError('HTTP_ERROR', `The registry sent invalid JSON for ${url}.`, {
        details: { url },
        cause,
      });
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) {
      throw new ModelhubError('HTTP_ERROR', `The registry sent an unexpected document for ${url}.`, {
        hint: 'Check that --endpoint points at a Hugging Face Hub-compatible registry.',
        details: {
          url,
          issues: describeIssues(parsed.error.issues),
        },
      });
    }
    return { data: parsed.data, headers: res.headers };
  }

  /** Follows `Link: <url>; rel="next"` pagination, yielding each page's validated items. */
  async *paginate<T>(
    path: string,
    schema: DocumentSchema<T[]>,
    context: Readonly<Record<string, unknown>> = {},
    signal?: AbortSignal,
  ): AsyncGenerator<T[], void> {
    let next: string | undefined = path;
    while (next !== undefined) {
      const page: { data: T[]; headers: Readonly<Record<string, string | undefined>> } = await this.getJson(
        next,
        schema,
        context,
        signal,
      );
      yield page.data;
      next = nextLink(page.headers['link']);
    }
  }

  async close(): Promise<void> {
    this.#nodeAgents?.destroy();
    await this.#agent?.close();
  }
}

/** The `rel="next"` target of a `Link` header. */
export function nextLink(link: string | undefined): string | undefined {
  if (link === undefined) {
    return undefined;
  }
  for (const match of link.matchAll(/<([^>]+)>\s*;\s*rel="?([^";,]+)"?/g)) {
    if (match[2] === 'next' && match[1] !== undefined) {
      return match[1];
    }
  }
  return undefined;
}

/** Reads at most 64 KiB of an error body as text. */
export async function readSmallBody(res: HttpResponse): Promise<string> {
  let text = '';
  try {
    for await (const chunk of res.body) {
      if (text.length < 65_536) {
        text += chunk.toString('utf8');
      }
    }
  } catch {
    // A broken error body still leaves us the status and headers.
  }
  return text.slice(0, 65_536);
}
