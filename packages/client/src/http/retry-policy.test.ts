import { describe, expect, it } from 'vitest';

import {
  backoffDelay,
  defaultRetryPolicy,
  isRetryableNetworkError,
  isRetryableStatus,
  parseRetryAfter,
} from './retry-policy.ts';

describe('retry policy', () => {
  it('retries 408, 429 and 5xx gateway errors, not 4xx client errors', () => {
    expect([408, 429, 500, 502, 503, 504].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 416].some(isRetryableStatus)).toBe(false);
  });

  it('recognises resets and timeouts in the cause chain', () => {
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toBe(true);
    expect(isRetryableNetworkError(new Error('x', { cause: { code: 'UND_ERR_SOCKET' } }))).toBe(true);
    expect(isRetryableNetworkError(Object.assign(new Error('x'), { code: 'ENOSPC' }))).toBe(false);
  });

  it('reads Retry-After as seconds or as an HTTP date', () => {
    expect(parseRetryAfter('3')).toBe(3000);
    expect(parseRetryAfter(new Date(10_000).toUTCString(), 4_000)).toBe(6_000);
    expect(parseRetryAfter('soon')).toBeUndefined();
    expect(parseRetryAfter(undefined)).toBeUndefined();
  });

  it('grows the backoff exponentially within [ceiling/2, ceiling] and caps it', () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxDelayMs: 1000 };
    expect(backoffDelay(policy, 0, undefined, () => 0)).toBe(50);
    expect(backoffDelay(policy, 0, undefined, () => 0.999)).toBeLessThanOrEqual(100);
    expect(backoffDelay(policy, 3, undefined, () => 0)).toBe(400);
    expect(backoffDelay(policy, 10, undefined, () => 1)).toBe(1000);
  });

  it("honours the server's Retry-After, capped", () => {
    const policy = { ...defaultRetryPolicy, baseDelayMs: 100, maxRetryAfterMs: 5000 };
    expect(backoffDelay(policy, 0, 2000, () => 0)).toBe(2000);
    expect(backoffDelay(policy, 0, 3_600_000, () => 0)).toBe(5000);
  });
});
