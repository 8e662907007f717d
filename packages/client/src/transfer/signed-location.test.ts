import { describe, expect, it } from 'vitest';

import { isRefusal, SignedLocation, storageRefusal } from './signed-location.ts';

const resolve = 'http://hub.test/alice/m/resolve/abc/model.bin';
const signed = 'http://s3.test/bucket/blobs/123?X-Amz-Signature=aa';

describe('SignedLocation', () => {
  it('starts at the registry and remembers a redirect to another host', () => {
    const location = new SignedLocation(resolve);
    expect(location.next()).toEqual({ url: resolve, reused: false });
    location.learn(signed);
    expect(location.next()).toEqual({ url: signed, reused: true });
  });

  it('does not remember the registry itself or a redirect on its own host', () => {
    const location = new SignedLocation(resolve);
    location.learn(resolve);
    location.learn('http://hub.test/api/resolve-cache/models/alice/m/abc/model.bin');
    expect(location.next()).toEqual({ url: resolve, reused: false });
  });

  it('forgets a refused URL, but not a newer one another request learned meanwhile', () => {
    const location = new SignedLocation(resolve);
    location.learn(signed);
    location.forget(signed);
    expect(location.next().url).toBe(resolve);
    const fresh = `${signed}b`;
    location.learn(fresh);
    location.forget(signed);
    expect(location.next().url).toBe(fresh);
  });
});

describe('isRefusal', () => {
  it('treats client errors as a dead signed URL, but not a bad range, a timeout or a rate limit', () => {
    expect([400, 401, 403, 404, 410].every(isRefusal)).toBe(true);
    expect([200, 206, 408, 416, 429, 500, 503].some(isRefusal)).toBe(false);
  });
});

describe('storageRefusal', () => {
  it('names the storage host and the file, and keeps the context', () => {
    const error = storageRefusal(403, signed, 'model.bin', { repo: 'alice/m' });
    expect(error.code).toBe('HTTP_ERROR');
    expect(error.message).toContain('storage at s3.test');
    expect(error.message).toContain('model.bin');
    expect(error.details).toMatchObject({ repo: 'alice/m', status: 403, storage: 's3.test' });
  });
});
