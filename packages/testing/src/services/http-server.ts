import { createServer as createHttpServer, type RequestListener, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';

/** A node:http(s) server of a test's own, listening on 127.0.0.1. */
export interface TestHttpServer {
  /** The server itself, e.g. to watch its 'connection' events. */
  readonly server: HttpServer | HttpsServer;
  /** `http://127.0.0.1:<port>` (`https://` with `tls`), without a trailing slash. */
  readonly url: string;
  readonly port: number;
  /** The server side of every connection it accepted, in order (to count or tell them apart). */
  readonly connections: readonly Socket[];
  /**
   * Drops every open connection (kept-alive, stalled or half-answered ones too, which a plain
   * `close()` would wait for) and stops listening.
   */
  close(): Promise<void>;
}

export interface TestHttpServerOptions {
  /** Serve TLS with this key and certificate (PEM). */
  readonly tls?: { readonly key: string | Buffer; readonly cert: string | Buffer };
}

/**
 * Starts `handler` on 127.0.0.1, port 0: the small server (a front, a proxy, a misbehaving peer)
 * that many client and CLI tests put between the code and the real registry.
 */
export async function startHttpServer(
  handler: RequestListener,
  options: TestHttpServerOptions = {},
): Promise<TestHttpServer> {
  const server =
    options.tls === undefined
      ? createHttpServer(handler)
      : createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler);
  const connections: Socket[] = [];
  server.on('connection', (socket: Socket) => connections.push(socket));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `${options.tls === undefined ? 'http' : 'https'}://127.0.0.1:${port}`,
    port,
    connections,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
