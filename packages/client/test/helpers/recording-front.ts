import { request as httpRequest, type IncomingHttpHeaders, type ServerResponse } from 'node:http';

import { startHttpServer } from '@modelhub/testing';

/** A plain HTTP front before the registry, and what reached it. */
export interface RecordingFront {
  readonly url: string;
  /** Every request, in order: its path and headers. */
  readonly seen: { path: string; headers: IncomingHttpHeaders }[];
  close(): Promise<void>;
}

/**
 * A plain HTTP front that forwards to `upstream` and records each request's headers. `route`
 * may answer a request itself (e.g. a redirect to another host) by returning true.
 */
export async function recordingFront(
  upstream: string,
  route: (path: string, res: ServerResponse) => boolean = () => false,
): Promise<RecordingFront> {
  const seen: RecordingFront['seen'] = [];
  const target = new URL(upstream);
  const server = await startHttpServer((req, res) => {
    const path = req.url ?? '/';
    seen.push({ path, headers: req.headers });
    if (route(path, res)) {
      return;
    }
    const up = httpRequest(
      { hostname: target.hostname, port: target.port, path, headers: { ...req.headers, host: target.host } },
      (r) => {
        res.writeHead(r.statusCode ?? 502, r.headers);
        r.pipe(res);
      },
    );
    up.on('error', () => res.destroy());
    up.end();
  });
  return { url: server.url, seen, close: () => server.close() };
}
