import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { isModelhubError } from '@modelhub/core';

import { loginPage, logoutPage } from '../pages/login-page.ts';
import { tokensPage } from '../pages/tokens-page.ts';
import { clearSessionCookie, setSessionCookie } from '../session/session-cookie.ts';
import { sendPage, sessionOf, type WebContext } from './web-context.ts';

/** A form body as the registry's form parser hands it over. */
function formField(request: FastifyRequest, name: string): string {
  const body = (request.body ?? {}) as Record<string, string | string[] | undefined>;
  const value = body[name];
  return (Array.isArray(value) ? value[0] : value)?.trim() ?? '';
}

/** Where to go after logging in: a path on this site only (never `//host` or a URL). */
export function safeNext(next: string | undefined): string {
  return next !== undefined && /^\/(?![/\\])/.test(next) && !/[\r\n]/.test(next) ? next : '/';
}

function redirect(reply: FastifyReply, to: string): FastifyReply {
  return reply.code(303).header('location', to).header('cache-control', 'no-store').send();
}

/** `/login`, `/logout` and `/settings/tokens`. Every POST carries the CSRF token (checked before the handler). */
export function registerAccountRoutes(
  app: FastifyInstance,
  ctx: WebContext,
  csrf: { preHandler: FastifyInstance['csrfProtection'] },
): void {
  const { data } = ctx;

  const showLogin = (
    request: FastifyRequest,
    reply: FastifyReply,
    next: string,
    problem: string | undefined,
    status = 200,
  ): Promise<FastifyReply> =>
    sendPage(ctx, request, reply, {
      title: 'Log in',
      status,
      body: loginPage(reply.generateCsrf(), next, problem),
    });

  app.get('/login', async (request, reply) => {
    const next = safeNext((request.query as { next?: string }).next);
    if ((await sessionOf(ctx, request)) !== undefined) {
      return redirect(reply, next);
    }
    return showLogin(request, reply, next, undefined);
  });

  app.post('/login', { preHandler: csrf.preHandler }, async (request, reply) => {
    const next = safeNext(formField(request, 'next'));
    const token = formField(request, 'token');
    let actor;
    try {
      actor = await data.authenticateToken(token);
    } catch (error) {
      if (isModelhubError(error) && error.code === 'AUTH_INVALID_TOKEN') {
        return showLogin(
          request,
          reply,
          next,
          'This token is not valid here: check that you copied all of it.',
          401,
        );
      }
      throw error;
    }
    if (actor.kind !== 'account') {
      return showLogin(request, reply, next, 'Paste an access token (it starts with hf_).', 400);
    }
    const previous = await sessionOf(ctx, request);
    if (previous !== undefined) {
      await data.closeSession(previous.sessionHash);
    }
    setSessionCookie(reply, ctx.cookies, await data.openSession(actor.token));
    return redirect(reply, next);
  });

  app.get('/logout', async (request, reply) => {
    if ((await sessionOf(ctx, request)) === undefined) {
      return redirect(reply, '/');
    }
    return sendPage(ctx, request, reply, { title: 'Log out', body: logoutPage(reply.generateCsrf()) });
  });

  app.post('/logout', { preHandler: csrf.preHandler }, async (request, reply) => {
    const session = await sessionOf(ctx, request);
    if (session !== undefined) {
      await data.closeSession(session.sessionHash);
    }
    clearSessionCookie(reply, ctx.cookies);
    return redirect(reply, '/');
  });

  const showTokens = async (
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { created?: { name: string; secret: string }; message?: string; status?: number } = {},
  ): Promise<FastifyReply> => {
    const session = await sessionOf(ctx, request);
    if (session === undefined) {
      return redirect(reply, `/login?next=${encodeURIComponent('/settings/tokens')}`);
    }
    return sendPage(ctx, request, reply, {
      title: 'Access tokens',
      status: extra.status ?? 200,
      body: tokensPage({
        account: session.account.name,
        tokens: await data.listTokens(session.account.name),
        sessionTokenId: session.token.id,
        canManage: session.token.role === 'write',
        csrf: reply.generateCsrf(),
        created: extra.created,
        message: extra.message,
      }),
    });
  };

  app.get('/settings/tokens', (request, reply) => showTokens(request, reply));

  app.post('/settings/tokens', { preHandler: csrf.preHandler }, async (request, reply) => {
    const session = await sessionOf(ctx, request);
    if (session === undefined) {
      return redirect(reply, '/login?next=%2Fsettings%2Ftokens');
    }
    if (session.token.role !== 'write') {
      return showTokens(request, reply, { message: 'A read token cannot create tokens.', status: 403 });
    }
    const name = formField(request, 'name').slice(0, 100);
    const role = formField(request, 'role') === 'write' ? 'write' : 'read';
    if (name === '') {
      return showTokens(request, reply, {
        message: 'Give the token a name (e.g. the machine that uses it).',
        status: 400,
      });
    }
    // The secret goes into this one response and nowhere else (no redirect that would need to carry it).
    const secret = await data.createToken(session.account.name, role, name);
    void reply.header('cache-control', 'no-store');
    return showTokens(request, reply, { created: { name, secret } });
  });

  app.post('/settings/tokens/revoke', { preHandler: csrf.preHandler }, async (request, reply) => {
    const session = await sessionOf(ctx, request);
    if (session === undefined) {
      return redirect(reply, '/login?next=%2Fsettings%2Ftokens');
    }
    if (session.token.role !== 'write') {
      return showTokens(request, reply, { message: 'A read token cannot revoke tokens.', status: 403 });
    }
    const id = Number(formField(request, 'id'));
    const revoked = Number.isSafeInteger(id) && (await data.revokeToken(session.account.name, id));
    if (revoked && id === session.token.id) {
      clearSessionCookie(reply, ctx.cookies);
      return redirect(reply, '/login');
    }
    return showTokens(request, reply, {
      message: revoked ? 'Token revoked: it no longer works anywhere.' : 'No such token of yours.',
      status: revoked ? 200 : 404,
    });
  });
}
