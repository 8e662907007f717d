import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyHelmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';

import type { Registry } from '../service/registry.ts';
import { registerAccountRoutes } from './routes/account-routes.ts';
import { registerBrowseRoutes } from './routes/browse-routes.ts';
import { registerRepoPageRoutes } from './routes/repo-page-routes.ts';
import { pageHelmetOptions } from './routes/security-headers.ts';
import { registerStaticFiles } from './routes/static-files.ts';
import type { WebContext } from './routes/web-context.ts';
import { webErrorHandler } from './routes/web-errors.ts';
import { cookieAttributes, cookiePolicy } from './session/session-cookie.ts';
import { WebData } from './web-data.ts';

/** Options of the web pages. */
export interface WebPagesOptions {
  /** The registry's public URL; an https URL turns on `__Host-` cookies, Secure and HSTS. */
  readonly publicUrl: string | undefined;
}

/**
 * Adds the web pages (huggingface.co's URL scheme) to a registry app, in their own plugin scope:
 * helmet's strict CSP, cookies and CSRF checks apply to the pages only, never to the API or the
 * file routes.
 */
export function registerWebPages(app: FastifyInstance, registry: Registry, options: WebPagesOptions): void {
  const cookies = cookiePolicy(options.publicUrl);
  const ctx: WebContext = { data: new WebData(registry), cookies, publicUrl: options.publicUrl };
  void app.register(async (web) => {
    await web.register(fastifyHelmet, { global: true, ...pageHelmetOptions(cookies.secure) });
    await web.register(fastifyCookie);
    await web.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: cookies.csrf,
      cookieOpts: cookieAttributes(cookies),
    });
    web.addHook('onRequest', async (request, reply) => {
      // Pages are for this origin's own browsers: no cross-origin reads (the API keeps its CORS).
      reply.removeHeader('access-control-allow-origin');
      reply.removeHeader('access-control-expose-headers');
      // A form posted from another site is refused before the CSRF token is even looked at.
      if (request.method === 'POST' && request.headers['sec-fetch-site'] === 'cross-site') {
        throw Object.assign(new Error('Cross-site form posts are refused.'), { code: 'FST_CSRF_CROSS_SITE' });
      }
    });
    web.setErrorHandler(webErrorHandler(ctx));
    registerStaticFiles(web);
    registerBrowseRoutes(web, ctx);
    registerRepoPageRoutes(web, ctx);
    registerAccountRoutes(web, ctx, {
      preHandler: (request, reply, done) => {
        web.csrfProtection(request, reply, done);
      },
    });
  });
}
