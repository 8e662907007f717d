import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';

import { isModelhubError } from '@modelhub/core';

import { errorBody } from '../pages/error-page.ts';
import { page } from '../pages/layout.ts';
import { pageHelmetOptions } from './security-headers.ts';
import { sendPage, type WebContext } from './web-context.ts';

/** An error as a page: status, what happened, what to do. */
export interface PageError {
  readonly status: number;
  readonly message: string;
  readonly hint: string | undefined;
}

const notFoundStatus = new Set([
  'REPO_NOT_FOUND',
  'REVISION_NOT_FOUND',
  'ENTRY_NOT_FOUND',
  'ALIAS_NOT_FOUND',
]);

/**
 * Maps an error of a page route to what the page says. A repo that is private and not the viewer's
 * is the same 404 as a missing one, for logged-out viewers too (the JSON API answers 401 there,
 * as the Hub does; a page has no token to ask for).
 */
export function pageErrorOf(error: unknown): PageError {
  if (isModelhubError(error)) {
    if (notFoundStatus.has(error.code)) {
      return { status: 404, message: error.message, hint: error.hint ?? undefined };
    }
    const status =
      error.code === 'AUTH_REQUIRED' || error.code === 'AUTH_INVALID_TOKEN'
        ? 401
        : error.code === 'AUTH_FORBIDDEN'
          ? 403
          : error.code.startsWith('INVALID_')
            ? 400
            : 500;
    return status === 500
      ? {
          status,
          message: 'Something went wrong on the registry.',
          hint: 'Try again; if it persists, tell the operator.',
        }
      : { status, message: error.message, hint: error.hint ?? undefined };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && code.startsWith('FST_CSRF')) {
    return {
      status: 403,
      message: 'This form is missing its security token, or it came from another site.',
      hint: 'Go back, reload the page and send the form again.',
    };
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, message: error instanceof Error ? error.message : 'Bad request.', hint: undefined };
  }
  return {
    status: 500,
    message: 'Something went wrong on the registry.',
    hint: 'Try again; if it persists, tell the operator.',
  };
}

/** The error handler of the page routes: an HTML page in the site's layout. */
export function webErrorHandler(ctx: WebContext) {
  return async (error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const shown = pageErrorOf(error);
    if (shown.status >= 500) {
      request.log.error(error);
    }
    return sendPage(ctx, request, reply, {
      title: shown.status === 404 ? 'Not found' : `Error ${shown.status}`,
      status: shown.status,
      body: errorBody(shown.status, shown.message, shown.hint),
    });
  };
}

/** Whether a request would rather have a page than JSON (a browser navigating). */
export function wantsHtml(request: FastifyRequest): boolean {
  return (request.headers.accept ?? '').includes('text/html');
}

/**
 * The 404 page for URLs no route knows, sent from the application's not-found handler with the
 * same security headers as every page (applied by helmet itself, outside the page plugin).
 */
export async function sendNotFoundPage(
  request: FastifyRequest,
  reply: FastifyReply,
  tls: boolean,
): Promise<FastifyReply> {
  await new Promise<void>((resolve, reject) => {
    helmet(pageHelmetOptions(tls))(request.raw, reply.raw, (error?: unknown) => {
      if (error === undefined || error === null) {
        resolve();
      } else {
        reject(error instanceof Error ? error : new Error('helmet failed'));
      }
    });
  });
  const markup = page({
    title: 'Not found',
    viewer: undefined,
    body: errorBody(404, `Nothing lives at ${request.url.split('?')[0] ?? '/'}.`, undefined),
  });
  return reply
    .code(404)
    .type('text/html; charset=utf-8')
    .header('cache-control', 'no-cache')
    .send(markup.text);
}
