import type { FastifyReply, FastifyRequest } from 'fastify';

import { sessionLifetimeMs } from '../web-data.ts';

/**
 * Cookie names and attributes. Under TLS the names carry the `__Host-` prefix (the browser then
 * insists on Secure, Path=/ and no Domain, so a sibling subdomain cannot plant or read them);
 * on a plain-http LAN registry that prefix would make browsers drop the cookie.
 */
export interface CookiePolicy {
  readonly secure: boolean;
  readonly session: string;
  readonly csrf: string;
}

/** The cookie policy for a registry served at `publicUrl` (TLS when it is https). */
export function cookiePolicy(publicUrl: string | undefined): CookiePolicy {
  const secure = publicUrl?.startsWith('https://') === true;
  return {
    secure,
    session: secure ? '__Host-modelhub-session' : 'modelhub-session',
    csrf: secure ? '__Host-modelhub-csrf' : 'modelhub-csrf',
  };
}

/** Attributes of every cookie the pages set: HttpOnly, SameSite=Lax, Path=/, Secure under TLS. */
export function cookieAttributes(policy: CookiePolicy): {
  path: string;
  httpOnly: true;
  sameSite: 'lax';
  secure: boolean;
} {
  return { path: '/', httpOnly: true, sameSite: 'lax', secure: policy.secure };
}

/** The session id in the request's cookie, if any. */
export function sessionIdOf(request: FastifyRequest, policy: CookiePolicy): string | undefined {
  const value = request.cookies[policy.session];
  return value === undefined || value === '' ? undefined : value;
}

/** Sets the session cookie (it lives as long as the session row). */
export function setSessionCookie(reply: FastifyReply, policy: CookiePolicy, id: string): void {
  void reply.setCookie(policy.session, id, {
    ...cookieAttributes(policy),
    maxAge: Math.floor(sessionLifetimeMs / 1000),
  });
}

/** Removes the session cookie. */
export function clearSessionCookie(reply: FastifyReply, policy: CookiePolicy): void {
  void reply.clearCookie(policy.session, cookieAttributes(policy));
}
