import { randomUUID } from 'node:crypto';

import Fastify, { type FastifyInstance } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import type { Registry } from '../service/registry.ts';
import { FsBlobStore } from '../storage/fs-blob-store.ts';
import { headerSafe, toHttpError } from './http-errors.ts';
import type { RouteContext } from './request-context.ts';
import { registerMiscRoutes } from './routes/misc-routes.ts';
import { registerRepoRoutes } from './routes/repo-routes.ts';
import { registerResolveRoutes } from './routes/resolve-routes.ts';
import { registerUploadRoutes } from './routes/upload-routes.ts';
import { registerWebPages } from '../web/web-pages.ts';
import { sendNotFoundPage, wantsHtml } from '../web/routes/web-errors.ts';

/** Options of the HTTP front of a registry. */
export interface RegistryAppOptions {
  /** The URL clients reach the server at (for links and LFS hrefs); derived from `Host` when unset. */
  readonly publicUrl?: string;
  /**
   * Log to stderr as JSON lines: `true` every request and error, `'errors'` only server errors
   * (5xx, with their stack). @default false
   */
  readonly logger?: boolean | 'errors';
  /**
   * Behind nginx: answer downloads with `X-Accel-Redirect` to this internal location over the blob
   * folder (local-disk blob store only) instead of sending the bytes; see DEVELOPERS.md for the
   * nginx configuration.
   */
  readonly accelRedirect?: string;
  /** Shared with the server: set `draining` when it stops. */
  readonly state?: { draining: boolean };
}

const exposedHeaders = [
  'X-Repo-Commit',
  'X-Request-Id',
  'X-Error-Code',
  'X-Error-Message',
  'X-Linked-Size',
  'X-Linked-Etag',
  'ETag',
  'Link',
  'Accept-Ranges',
  'Content-Range',
].join(', ');

function formBody(text: string): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  for (const [key, value] of new URLSearchParams(text)) {
    const name = key.endsWith('[]') ? key.slice(0, -2) : key;
    const previous = out[name];
    out[name] =
      previous === undefined
        ? name === 'paths'
          ? [value]
          : value
        : [...(Array.isArray(previous) ? previous : [previous]), value];
  }
  return out;
}

/**
 * The Fastify application that speaks the Hub protocol for a registry. Routes stay thin: they
 * parse wire shapes, call the Registry, and convert results back (api/convert.ts).
 */
export function createRegistryApp(registry: Registry, options: RegistryAppOptions = {}): FastifyInstance {
  const app = Fastify({
    logger:
      options.logger === true || options.logger === 'errors'
        ? { level: options.logger === true ? 'info' : 'error', stream: process.stderr }
        : false,
    exposeHeadRoutes: false,
    genReqId: () => randomUUID(),
    bodyLimit: registry.options.maxJsonBodySize,
    routerOptions: { maxParamLength: 2048 },
  });
  const blobs = registry.blobs;
  const accel = options.accelRedirect;
  if (accel !== undefined && !(blobs instanceof FsBlobStore)) {
    throw new ModelhubError('INVALID_ARGUMENT', 'X-Accel-Redirect needs blobs on a local disk.', {
      hint: 'Drop --accel-redirect with S3 blobs: downloads are presigned redirects there.',
    });
  }
  const ctx: RouteContext = {
    registry,
    publicUrl: options.publicUrl,
    state: options.state ?? { draining: false },
    ...(accel === undefined || !(blobs instanceof FsBlobStore)
      ? {}
      : {
          accelRedirect: {
            location: accel.endsWith('/') ? accel : `${accel}/`,
            relativePath: (sha256: string) => blobs.relativePath(sha256),
          },
        }),
  };

  app.addContentTypeParser(
    ['application/vnd.git-lfs+json'],
    { parseAs: 'string' },
    (_request, body, done) => {
      try {
        done(null, JSON.parse(String(body)));
      } catch (error) {
        done(error as Error);
      }
    },
  );
  app.addContentTypeParser(
    'application/x-ndjson',
    { parseAs: 'string', bodyLimit: registry.options.maxCommitBodySize },
    (_request, body, done) => {
      done(null, String(body));
    },
  );
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string' },
    (_request, body, done) => {
      done(null, formBody(String(body)));
    },
  );

  // Browsers may call the registry from other origins (hub-protocol.md §3.3): expose what clients read.
  app.addHook('onRequest', (request, reply, done) => {
    void reply.header('x-request-id', request.id);
    void reply.header('access-control-allow-origin', '*');
    void reply.header('access-control-expose-headers', exposedHeaders);
    done();
  });
  app.options('*', (_request, reply) => {
    void reply
      .code(204)
      .header('access-control-allow-methods', 'GET, HEAD, POST, PUT, DELETE')
      .header('access-control-allow-headers', 'Authorization, Range, Content-Type')
      .header('access-control-max-age', '86400')
      .send();
  });

  app.setErrorHandler((error, request, reply) => {
    const http = toHttpError(error);
    if (http.status >= 500) {
      request.log.error(error);
    }
    for (const [name, value] of Object.entries(http.headers)) {
      void reply.header(name, value);
    }
    if (http.errorCode !== undefined) {
      void reply.header('x-error-code', http.errorCode);
    }
    void reply.header('x-error-message', headerSafe(http.message));
    void reply.code(http.status).type('application/json').send({ error: http.message });
  });
  const tls = options.publicUrl?.startsWith('https://') === true;
  app.setNotFoundHandler((request, reply) => {
    if (request.method === 'GET' && wantsHtml(request)) {
      return sendNotFoundPage(request, reply, tls);
    }
    return reply
      .code(404)
      .header('x-error-message', 'Not Found')
      .type('application/json')
      .send({ error: `No route for ${request.method} ${request.url.split('?')[0] ?? ''}` });
  });

  // For load balancers: 200 while the metadata store answers, 503 once the server is stopping.
  app.get('/healthz', async (_request, reply) => {
    if (ctx.state.draining) {
      return reply.code(503).header('connection', 'close').send({ status: 'draining' });
    }
    await registry.metadata.ping();
    return reply.send({ status: 'ok' });
  });

  registerMiscRoutes(app, ctx);
  registerRepoRoutes(app, ctx);
  registerUploadRoutes(app, ctx);
  registerResolveRoutes(app, ctx);
  registerWebPages(app, registry, { publicUrl: options.publicUrl });
  return app;
}
