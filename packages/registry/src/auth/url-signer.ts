import { createHmac, timingSafeEqual } from 'node:crypto';

import { ModelhubError } from '@modelhub/core';

/**
 * Signs and checks small JSON claims carried inside URLs. LFS upload hrefs use it: the official
 * clients PUT to them without an Authorization header, so the URL itself must prove the right to
 * upload one object of one size to one repo, until it expires.
 */
export class UrlSigner {
  readonly #secret: Buffer;

  constructor(secret: string) {
    this.#secret = Buffer.from(secret, 'hex');
  }

  #mac(body: string): Buffer {
    return createHmac('sha256', this.#secret).update(body).digest();
  }

  /** A URL-safe token holding `claims`, valid for `ttlSeconds`. */
  sign(claims: Readonly<Record<string, string | number>>, ttlSeconds: number): string {
    const body = Buffer.from(
      JSON.stringify({ ...claims, exp: Math.floor(Date.now() / 1000) + ttlSeconds }),
    ).toString('base64url');
    return `${body}.${this.#mac(body).toString('base64url')}`;
  }

  /** The claims of a token this signer made, or an AUTH_FORBIDDEN error. */
  verify(token: string): Record<string, unknown> {
    const forbidden = (why: string): ModelhubError =>
      new ModelhubError('AUTH_FORBIDDEN', `This upload URL is ${why}.`, {
        hint: 'Ask the LFS batch endpoint for a fresh upload URL.',
      });
    const [body, mac, ...rest] = token.split('.');
    if (body === undefined || mac === undefined || rest.length > 0) {
      throw forbidden('malformed');
    }
    const expected = this.#mac(body);
    const given = Buffer.from(mac, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw forbidden('not signed by this registry');
    }
    const claims: unknown = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
    if (typeof claims !== 'object' || claims === null) {
      throw forbidden('malformed');
    }
    const record = claims as Record<string, unknown>;
    if (typeof record['exp'] !== 'number' || record['exp'] < Date.now() / 1000) {
      throw forbidden('expired');
    }
    return record;
  }
}
