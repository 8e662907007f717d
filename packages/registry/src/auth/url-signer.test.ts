import { describe, expect, it } from 'vitest';

import { UrlSigner } from './url-signer.ts';

describe('UrlSigner', () => {
  const signer = new UrlSigner('11'.repeat(32));

  it('round-trips claims and refuses tampering, other keys and expiry', () => {
    const token = signer.sign({ o: 'abc', s: 3 }, 60);
    expect(signer.verify(token)).toMatchObject({ o: 'abc', s: 3 });
    const [body = '', mac = ''] = token.split('.');
    const forged = `${Buffer.from(JSON.stringify({ o: 'abc', s: 999, exp: 9e9 })).toString('base64url')}.${mac}`;
    expect(() => signer.verify(forged)).toThrow(/not signed/);
    expect(() => new UrlSigner('22'.repeat(32)).verify(token)).toThrow(/not signed/);
    expect(() => signer.verify(`${body}`)).toThrow(/malformed/);
    expect(() => signer.verify(signer.sign({ o: 'abc' }, -1))).toThrow(/expired/);
  });
});
