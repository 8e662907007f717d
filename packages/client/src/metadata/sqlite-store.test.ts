import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Keyv } from 'keyv';
import { afterAll, describe, expect, it } from 'vitest';

import { MetadataCache } from './metadata-cache.ts';
import { SqliteKeyvStore } from './sqlite-store.ts';

describe('SqliteKeyvStore under Keyv', () => {
  const dir = mkdtemp(join(tmpdir(), 'modelhub-keyv-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('persists values across instances and expires them after their TTL', async () => {
    const path = join(await dir, 'meta.sqlite');
    const first = new SqliteKeyvStore(path);
    const keyv = new Keyv({ store: first });
    await keyv.set('forever', { a: 1 });
    await keyv.set('brief', 'x', 1);
    await first.disconnect();
    const second = new SqliteKeyvStore(path);
    const again = new Keyv({ store: second });
    expect(await again.get('forever')).toEqual({ a: 1 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await again.get('brief')).toBeUndefined();
    expect(await again.delete('forever')).toBe(true);
    expect(await again.get('forever')).toBeUndefined();
    await second.disconnect();
  });

  it('writes many entries in one transaction under Keyv setMany, TTLs included', async () => {
    const path = join(await dir, 'many.sqlite');
    const store = new SqliteKeyvStore(path);
    const keyv = new Keyv({ store });
    const entries = Array.from({ length: 250 }, (_, i) => ({ key: `k${i}`, value: { i } }));
    await keyv.setMany<unknown>([...entries, { key: 'brief', value: 'x', ttl: 1 }]);
    await store.disconnect();
    const again = new Keyv({ store: new SqliteKeyvStore(path) });
    expect(await again.getMany(entries.map((e) => e.key))).toEqual(entries.map((e) => e.value));
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await again.get('brief')).toBeUndefined();
    await again.disconnect();
  });

  it('serves stale metadata only when asked for any age (offline)', async () => {
    const cache = new MetadataCache(await dir);
    await cache.set('alias:x', { repo: 'a/b' });
    expect(await cache.get('alias:x', 60_000)).toEqual({ repo: 'a/b' });
    expect(await cache.get('alias:x', -1)).toBeUndefined();
    expect(await cache.get('alias:x', Infinity)).toEqual({ repo: 'a/b' });
    await cache.close();
  });

  it('answers many keys in one query, in their order, without expired or missing ones', async () => {
    const store = new SqliteKeyvStore(join(await dir, 'many.sqlite'));
    await store.set('a', 'A');
    await store.set('b', 'B');
    await store.set('gone', 'G', 1);
    await new Promise((resolve) => setTimeout(resolve, 5));
    expect(await store.getMany(['b', 'missing', 'gone', 'a', 'a'])).toEqual([
      'B',
      undefined,
      undefined,
      'A',
      'A',
    ]);
    expect(await store.getMany([])).toEqual([]);
    await store.disconnect();
    const cache = new MetadataCache(join(await dir, 'many'));
    await cache.set('x', { v: 1 });
    await cache.set('y', { v: 2 });
    expect(await cache.getMany(['y', 'z', 'x'], Infinity)).toEqual([{ v: 2 }, undefined, { v: 1 }]);
    expect(await cache.getMany(['x'], -1)).toEqual([undefined]);
    await cache.close();
  });

  it('rebuilds a cache file that is not a database (an OS crash may leave one), instead of failing', async () => {
    const path = join(await dir, 'broken.sqlite');
    await writeFile(path, 'this is not a sqlite database, not even close; '.repeat(200));
    const store = new SqliteKeyvStore(path);
    const keyv = new Keyv({ store });
    expect(await keyv.get('anything')).toBeUndefined();
    await keyv.set('k', 'v');
    expect(await keyv.get('k')).toBe('v');
    await store.disconnect();
  });
});
