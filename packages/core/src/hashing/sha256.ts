import { createHash } from 'node:crypto';

/** The hex sha256 of an in-memory buffer or string. */
export function sha256(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}
