import type { FastifyReply, FastifyRequest } from 'fastify';

import type { Actor } from '../../domain/types.ts';
import type { HtmlValue } from '../html/html.ts';
import { page, type Viewer } from '../pages/layout.ts';
import type { CookiePolicy } from '../session/session-cookie.ts';
import { sessionIdOf } from '../session/session-cookie.ts';
import type { SessionActor, WebData } from '../web-data.ts';

/** What every page route needs. */
export interface WebContext {
  readonly data: WebData;
  readonly cookies: CookiePolicy;
  readonly publicUrl: string | undefined;
}

/** The logged-in account behind the request's session cookie (looked up once per request). */
export async function sessionOf(ctx: WebContext, request: FastifyRequest): Promise<SessionActor | undefined> {
  const holder = request as { modelhubSession?: SessionActor | null };
  if (holder.modelhubSession === undefined) {
    const id = sessionIdOf(request, ctx.cookies);
    holder.modelhubSession = (id === undefined ? undefined : await ctx.data.sessionActor(id)) ?? null;
  }
  return holder.modelhubSession ?? undefined;
}

/** Who is looking: the session's account, or anonymous. Pages never read Authorization headers. */
export async function viewerActor(ctx: WebContext, request: FastifyRequest): Promise<Actor> {
  return (await sessionOf(ctx, request)) ?? { kind: 'anonymous' };
}

/** This registry's URL as clients should use it (for the snippets). */
export function endpointOf(ctx: WebContext, request: FastifyRequest): string {
  return (ctx.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/** The path and query of the request, for "come back here after logging in". */
export function currentPath(request: FastifyRequest): string {
  return request.raw.url ?? '/';
}

/** Options of {@link sendPage}. */
export interface SendPageOptions {
  readonly title: string;
  readonly body: HtmlValue;
  readonly status?: number;
  readonly search?: string;
}

/**
 * Sends a full page. Pages may differ by viewer (private repos, the account menu), so no shared
 * cache may keep them.
 */
export async function sendPage(
  ctx: WebContext,
  request: FastifyRequest,
  reply: FastifyReply,
  options: SendPageOptions,
): Promise<FastifyReply> {
  const session = await sessionOf(ctx, request);
  const viewer: Viewer | undefined =
    session === undefined
      ? undefined
      : { name: session.account.name, role: session.token.role, csrf: reply.generateCsrf() };
  const markup = page({
    title: options.title,
    viewer,
    body: options.body,
    path: currentPath(request),
    ...(options.search === undefined ? {} : { search: options.search }),
  });
  if (!reply.hasHeader('cache-control')) {
    void reply.header('cache-control', 'private, no-cache');
  }
  return reply
    .code(options.status ?? 200)
    .header('vary', 'Cookie')
    .type('text/html; charset=utf-8')
    .send(markup.text);
}
