import { mkdtemp, rm, unlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { FsBlobStore } from './fs-blob-store.ts';
import { SmallBlobCache } from './small-blob-cache.ts';

describe('SmallBlobCache', () => {
  let dir: string;
  let store: FsBlobStore;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-small-blobs-'));
    store = new FsBlobStore(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const put = async (text: string): Promise<{ sha256: string; size: number }> =>
    store.write([Buffer.from(text)], { maxSize: 1000 });

  it('serves a blob from memory once read, and keeps within its byte budget (least recent out)', async () => {
    const cache = new SmallBlobCache(store, { maxBytes: 10, maxItemBytes: 8 });
    const a = await put('aaaa');
    const b = await put('bbbb');
    const c = await put('cccc');
    expect(cache.accepts(8)).toBe(true);
    expect(cache.accepts(9)).toBe(false);
    expect(cache.accepts(0)).toBe(false);
    expect((await cache.get(a.sha256, a.size)).toString()).toBe('aaaa');
    // Gone from disk, still served: the copy in memory is used.
    await unlink(store.pathOf(a.sha256));
    expect((await cache.get(a.sha256, a.size)).toString()).toBe('aaaa');
    await cache.get(b.sha256, b.size);
    expect(cache.bytes).toBe(8);
    await cache.get(c.sha256, c.size); // over budget: a (least recently used) leaves
    expect(cache.bytes).toBe(8);
    await expect(cache.get(a.sha256, a.size)).rejects.toThrow();
    expect((await cache.get(b.sha256, b.size)).toString()).toBe('bbbb');
  });

  it('shares one read among concurrent misses, and refuses a blob shorter than announced', async () => {
    const cache = new SmallBlobCache(store, { maxBytes: 100, maxItemBytes: 100 });
    const a = await put('hello');
    const [x, y] = await Promise.all([cache.get(a.sha256, a.size), cache.get(a.sha256, a.size)]);
    expect(x).toBe(y);
    const b = await put('short');
    await expect(cache.get(b.sha256, 9)).rejects.toMatchObject({ code: 'INTERNAL' });
    expect(cache.bytes).toBe(5);
  });
});
