import { createHash, randomBytes } from 'node:crypto';

const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/**
 * A new secret token in the `hf_` + 34 letters form the official clients insist on (JS
 * `checkCredentials` rejects anything not starting with `hf_`).
 */
export function generateAccessToken(): string {
  const bytes = randomBytes(34);
  let body = '';
  for (const byte of bytes) {
    body += alphabet[byte % alphabet.length] ?? 'a';
  }
  return `hf_${body}`;
}

/** What the store keeps instead of the token: its sha256. */
export function hashAccessToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
