import type { FastifyReply, FastifyRequest } from 'fastify';

import { wireBoolean } from '../api/wire-boolean.ts';
import type { Actor, RepoType } from '../domain/types.ts';
import type { Registry } from '../service/registry.ts';

/** What every route handler needs besides the request. */
export interface RouteContext {
  readonly registry: Registry;
  /** The URL clients should use for this registry, or undefined to derive it from `Host`. */
  readonly publicUrl: string | undefined;
  /** nginx X-Accel-Redirect mode: the internal location over the blob folder, and a blob's path in it. */
  readonly accelRedirect?: AccelRedirect;
  /** Set when the server stops: /healthz answers 503 so load balancers stop sending requests. */
  readonly state: { draining: boolean };
}

/** How a blob is handed to nginx: `X-Accel-Redirect: <location><relativePath(sha256)>`. */
export interface AccelRedirect {
  readonly location: string;
  relativePath(sha256: string): string;
}

/** The repo kinds and their URL prefixes: `/api/models` + ``, `/api/datasets` + `/datasets`… */
export const repoKinds: readonly { type: RepoType; api: string; web: string }[] = [
  { type: 'model', api: '/api/models', web: '' },
  { type: 'dataset', api: '/api/datasets', web: '/datasets' },
  { type: 'space', api: '/api/spaces', web: '/spaces' },
];

/** The caller behind the request's Authorization header (cached on the request). */
export async function actorOf(ctx: RouteContext, request: FastifyRequest): Promise<Actor> {
  const holder = request as { modelhubActor?: Actor };
  holder.modelhubActor ??= await ctx.registry.access.authenticate(request.headers.authorization);
  return holder.modelhubActor;
}

/** The absolute base URL for links (`Link`, `commitUrl`, LFS hrefs). */
export function baseUrlOf(ctx: RouteContext, request: FastifyRequest): string {
  return (ctx.publicUrl ?? `${request.protocol}://${request.host}`).replace(/\/+$/, '');
}

/** The raw (still percent-encoded) path segments after the first `keyword` segment past `skip`. */
export function segmentsAfter(request: FastifyRequest, skip: number, keyword: string): string[] {
  const path = (request.raw.url ?? '').split('?')[0] ?? '';
  const segments = path.split('/').slice(1);
  const at = segments.indexOf(keyword, skip);
  return at < 0 ? [] : segments.slice(at + 1).filter((s, i, all) => s !== '' || i < all.length - 1);
}

/** A query parameter that may repeat, as a list (`expand=a&expand=b`, `expand[]=a`). */
export function queryList(request: FastifyRequest, ...names: string[]): string[] {
  const query = request.query as Record<string, string | string[] | undefined>;
  return names.flatMap((name) => {
    const value = query[name];
    return value === undefined ? [] : Array.isArray(value) ? value : [value];
  });
}

/** A single query parameter. */
export function queryOne(request: FastifyRequest, name: string): string | undefined {
  return queryList(request, name)[0];
}

/** A boolean query parameter (`recursive=True`, `expand=1`…), read as the Hub reads it. */
export function queryFlag(request: FastifyRequest, name: string): boolean {
  return wireBoolean(queryOne(request, name));
}

/** Sets `Link: <next>; rel="next"` (absolute, with every query parameter) when more follow. */
export function setNextLink(
  ctx: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  cursor: string | undefined,
): void {
  if (cursor === undefined) {
    return;
  }
  const url = new URL(request.raw.url ?? '/', `${baseUrlOf(ctx, request)}/`);
  const next = new URL(`${baseUrlOf(ctx, request)}${url.pathname}`);
  for (const [key, value] of url.searchParams) {
    if (key !== 'cursor') {
      next.searchParams.append(key, value);
    }
  }
  next.searchParams.set('cursor', cursor);
  reply.header('link', `<${next.toString()}>; rel="next"`);
}

/** Opaque pagination cursors (an offset, base64url-encoded). */
export function encodeCursor(offset: number): string {
  return Buffer.from(JSON.stringify({ o: offset })).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) {
    return 0;
  }
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as { o?: unknown };
    return typeof parsed.o === 'number' && Number.isSafeInteger(parsed.o) && parsed.o >= 0 ? parsed.o : 0;
  } catch {
    return 0;
  }
}
