import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';

import { startHttpServer } from '@modelhub/testing';

/** What the proxy does to one request. */
export type FaultAction =
  | { readonly kind: 'pass' }
  /** Answer with this status instead of forwarding (e.g. 500, 429 with Retry-After). */
  | { readonly kind: 'status'; readonly status: number; readonly headers?: Readonly<Record<string, string>> }
  /**
   * Forward, then reset the connection after this many body bytes (once `until` settles, if
   * given: the connection stays open and silent meanwhile).
   */
  | { readonly kind: 'cut'; readonly afterBytes: number; readonly until?: Promise<unknown> }
  /** Forward, then close the connection cleanly after this many body bytes (a truncated body). */
  | { readonly kind: 'truncate'; readonly afterBytes: number }
  /** Forward with the byte at this body offset flipped. */
  | { readonly kind: 'corrupt'; readonly atByte: number }
  /** Forward this many bytes, then send nothing more while keeping the connection open. */
  | { readonly kind: 'stall'; readonly afterBytes: number }
  /** Forward at this many bytes per second (a slow connection among fast ones). */
  | { readonly kind: 'slow'; readonly bytesPerSecond: number }
  /** Forward once `until` settles (something else happens first, e.g. another commit lands). */
  | { readonly kind: 'hold'; readonly until: Promise<unknown> }
  /** Read this many bytes of the request body, then reset the connection (an upload cut short). */
  | { readonly kind: 'drop'; readonly afterBodyBytes: number };

export interface ProxiedRequest {
  readonly method: string;
  readonly url: string;
  readonly range: string | undefined;
  /** The Authorization header the client sent, if any. */
  readonly authorization: string | undefined;
  readonly action: FaultAction['kind'];
  /** The status the client got (0 until the response began). */
  status: number;
  /** Body bytes sent to the client. */
  bytes: number;
}

export interface FaultProxy {
  readonly url: string;
  readonly requests: ProxiedRequest[];
  /** Called when a body byte count crosses `threshold` for a URL containing `match`. */
  onBytes(match: string, threshold: number, callback: () => void): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy in front of the real registry that injects faults chosen per request by `plan`
 * (status storms, resets and truncation at given offsets, flipped bytes, stalls). It forwards
 * everything else unchanged and records what it served.
 */
export async function startFaultProxy(
  upstream: string,
  plan: (req: { method: string; url: string; index: number }) => FaultAction,
  options: {
    /** Forward the client's Host header unchanged (for URLs signed for the proxy's host). */
    readonly preserveHost?: boolean;
  } = {},
): Promise<FaultProxy> {
  const target = new URL(upstream);
  const requests: ProxiedRequest[] = [];
  const watchers: { match: string; threshold: number; callback: () => void; fired: boolean }[] = [];
  const stalled = new Set<ServerResponse>();
  const server = await startHttpServer((req: IncomingMessage, res: ServerResponse) => {
    const url = req.url ?? '/';
    const action = plan({ method: req.method ?? 'GET', url, index: requests.length });
    const record: ProxiedRequest = {
      method: req.method ?? 'GET',
      url,
      range: req.headers.range,
      authorization: req.headers.authorization,
      action: action.kind,
      status: 0,
      bytes: 0,
    };
    requests.push(record);
    if (action.kind === 'drop') {
      let received = 0;
      req.on('data', (chunk: Buffer) => {
        received += chunk.byteLength;
        if (received >= action.afterBodyBytes) {
          req.socket.resetAndDestroy();
        }
      });
      req.on('end', () => req.socket.resetAndDestroy());
      return;
    }
    if (action.kind === 'status') {
      req.resume();
      record.status = action.status;
      res.writeHead(action.status, { 'content-type': 'application/json', ...action.headers });
      res.end(JSON.stringify({ error: `injected ${action.status}` }));
      return;
    }
    const headers = options.preserveHost === true ? req.headers : { ...req.headers, host: target.host };
    const upstreamReq = httpRequest(
      { hostname: target.hostname, port: target.port, path: url, method: req.method, headers },
      (upstreamRes) => {
        record.status = upstreamRes.statusCode ?? 502;
        res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
        let sent = 0;
        upstreamRes.on('data', (chunk: Buffer) => {
          if (action.kind === 'slow') {
            // 4 KiB every 4096/rate seconds, holding the upstream meanwhile.
            upstreamRes.pause();
            let at = 0;
            const pace = (): void => {
              if (res.destroyed) {
                upstreamRes.destroy();
                return;
              }
              if (at >= chunk.length) {
                upstreamRes.resume();
                return;
              }
              const slice = chunk.subarray(at, at + 4096);
              at += slice.length;
              res.write(slice);
              sent += slice.length;
              record.bytes = sent;
              setTimeout(pace, (slice.length / action.bytesPerSecond) * 1000);
            };
            pace();
            return;
          }
          let data = chunk;
          const start = sent;
          if (action.kind === 'corrupt' && action.atByte >= start && action.atByte < start + data.length) {
            data = Buffer.from(data);
            const i = action.atByte - start;
            data[i] = (data[i] ?? 0) ^ 0xff;
          }
          const limit =
            action.kind === 'cut' || action.kind === 'truncate' || action.kind === 'stall'
              ? action.afterBytes
              : Infinity;
          if (start + data.length > limit) {
            data = data.subarray(0, Math.max(0, limit - start));
          }
          if (data.length > 0) {
            res.write(data);
            sent += data.length;
            record.bytes = sent;
            for (const w of watchers) {
              if (
                !w.fired &&
                url.includes(w.match) &&
                requests.filter((r) => r.url.includes(w.match)).reduce((n, r) => n + r.bytes, 0) >=
                  w.threshold
              ) {
                w.fired = true;
                w.callback();
              }
            }
          }
          if (sent >= limit) {
            upstreamRes.destroy();
            if (action.kind === 'cut' && action.until !== undefined) {
              stalled.add(res);
              void action.until.finally(() => res.socket?.resetAndDestroy());
            } else if (action.kind === 'cut') {
              res.socket?.resetAndDestroy();
            } else if (action.kind === 'truncate') {
              res.socket?.end();
            } else {
              stalled.add(res);
            }
          }
        });
        upstreamRes.on('end', () => res.end());
        upstreamRes.on('error', () => res.destroy());
      },
    );
    upstreamReq.on('error', () => res.destroy());
    if (action.kind === 'hold') {
      req.pause();
      void action.until.finally(() => req.pipe(upstreamReq));
    } else {
      req.pipe(upstreamReq);
    }
  });
  return {
    url: server.url,
    requests,
    onBytes(match, threshold, callback) {
      watchers.push({ match, threshold, callback, fired: false });
    },
    async close() {
      for (const res of stalled) {
        res.destroy();
      }
      await server.close();
    },
  };
}

/** Body bytes the proxy served for URLs containing `match`. */
export function bytesServed(proxy: FaultProxy, match: string): number {
  return proxy.requests.filter((r) => r.url.includes(match)).reduce((n, r) => n + r.bytes, 0);
}
