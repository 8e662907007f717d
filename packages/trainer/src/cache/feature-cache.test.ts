import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { afterAll, describe, expect, it } from 'vitest';

import { mountSmallFilesystem } from '@modelhub/testing';

import { FeatureCache } from './feature-cache.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-feature-cache-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

const DAY = 86_400_000;
const vec = (n: number, fill: number): Float32Array => new Float32Array(n).fill(fill);
const entries = (count: number, dim: number): Array<[string, Float32Array]> =>
  Array.from({ length: count }, (_, i) => [`sha-${i}`, vec(dim, i)]);

describe('FeatureCache use records and sweep', () => {
  it('deletes only the namespaces no run used since the cut-off, and shrinks the file', () => {
    const cache = new FeatureCache(join(work, 'sweep.sqlite'));
    try {
      const now = Date.now();
      cache.putMany('old', entries(200, 512));
      cache.putMany('fresh', entries(3, 512));
      cache.touch(['old'], 'model-a', now - 40 * DAY);
      cache.touch(['fresh'], 'model-b', now);

      const dry = cache.sweep({ unusedSince: new Date(now - 30 * DAY), dryRun: true });
      expect(dry).toMatchObject({ namespaces: 1, vectors: 200, vectorBytes: 200 * 512 * 4 });
      expect(dry.fileBytesAfter).toBe(dry.fileBytesBefore);
      expect(cache.count('old')).toBe(200);

      const done = cache.sweep({ unusedSince: new Date(now - 30 * DAY) });
      expect(done).toMatchObject({ namespaces: 1, vectors: 200, vectorBytes: 200 * 512 * 4 });
      expect(done.fileBytesAfter).toBeLessThan(done.fileBytesBefore - 200 * 512 * 3);
      expect(cache.count('old')).toBe(0);
      expect(cache.get('old', 'sha-1')).toBeUndefined();
      expect(cache.get('fresh', 'sha-2')).toEqual(vec(512, 2));

      expect(cache.sweep({ unusedSince: new Date(now - 30 * DAY) })).toMatchObject({
        namespaces: 0,
        vectors: 0,
      });
    } finally {
      cache.close();
    }
  });

  it('a touch moves the clock forward; vectors stored without one can still expire', () => {
    const cache = new FeatureCache(join(work, 'touch.sqlite'));
    try {
      const now = Date.now();
      cache.putMany('library', entries(2, 4));
      cache.putMany('used', entries(2, 4));
      cache.touch(['used'], 'model', now - 40 * DAY);
      cache.touch(['used', 'used'], 'model', now);
      expect(cache.sweep({ unusedSince: new Date(now - DAY) })).toMatchObject({ namespaces: 0 });
      // In a day's time both are unused: the one written by putMany alone got a use when stored.
      expect(cache.sweep({ unusedSince: new Date(now + DAY) })).toMatchObject({ namespaces: 2, vectors: 4 });
    } finally {
      cache.close();
    }
  });

  it('gives the vectors of a cache written before use records a fresh clock instead of deleting them', () => {
    const file = join(work, 'older.sqlite');
    const db = new DatabaseSync(file);
    db.exec(`CREATE TABLE features (ns TEXT NOT NULL, sha256 TEXT NOT NULL, dim INTEGER NOT NULL, vec BLOB NOT NULL,
      PRIMARY KEY (ns, sha256)) WITHOUT ROWID;`);
    db.prepare('INSERT INTO features VALUES (?, ?, ?, ?)').run(
      'ns',
      'sha',
      2,
      new Uint8Array(vec(2, 1).buffer),
    );
    db.close();

    const cache = new FeatureCache(file);
    try {
      expect(cache.get('ns', 'sha')).toEqual(vec(2, 1));
      expect(cache.sweep({ unusedSince: new Date(Date.now() - DAY) })).toMatchObject({ namespaces: 0 });
      expect(cache.sweep({ unusedSince: new Date(Date.now() + DAY) })).toMatchObject({
        namespaces: 1,
        vectors: 1,
      });
    } finally {
      cache.close();
    }
  });
});

describe('FeatureCache where it cannot write', () => {
  it('on a read-only mount: reads the vectors it has, stores nothing, says why once, and gc refuses to delete', async () => {
    const fs = await mountSmallFilesystem(4 << 20);
    try {
      const file = join(fs.dir, 'features', 'features.sqlite');
      const writer = new FeatureCache(file);
      writer.putMany('ns', entries(3, 8));
      writer.close();
      await fs.setReadOnly(true);

      const cache = new FeatureCache(file);
      try {
        expect(cache.get('ns', 'sha-2')).toEqual(vec(8, 2));
        expect(cache.warning).toContain(file);
        expect(cache.warning).toContain('cannot be written');
        cache.putMany('ns', [['new', vec(8, 9)]]);
        cache.touch(['ns'], 'model');
        expect(cache.get('ns', 'new')).toBeUndefined();
        const later = new Date(Date.now() + DAY);
        expect(cache.sweep({ unusedSince: later, dryRun: true })).toMatchObject({
          namespaces: 1,
          vectors: 3,
        });
        expect(() => cache.sweep({ unusedSince: later })).toThrow(
          expect.objectContaining({ code: 'PERMISSION_DENIED' }),
        );
        expect(cache.count('ns')).toBe(3);
      } finally {
        cache.close();
      }
    } finally {
      await fs.close();
    }
  });

  it('on a full disk: keeps what fit, goes on without storing, and says so', async () => {
    const fs = await mountSmallFilesystem(1 << 20);
    try {
      const cache = new FeatureCache(join(fs.dir, 'features.sqlite'));
      try {
        cache.putMany('small', entries(2, 8));
        expect(cache.warning).toBeUndefined();
        for (let i = 0; i < 8; i++) {
          cache.putMany(`big-${i}`, entries(64, 1024)); // 256 KiB each: the 1 MiB disk fills up
        }
        expect(cache.warning).toMatch(/cannot be written \(.*full/i);
        expect(cache.get('small', 'sha-1')).toEqual(vec(8, 1));
      } finally {
        cache.close();
      }
    } finally {
      await fs.close();
    }
  });

  it('where no file can be made at all: an empty cache for this run, and gc says it cannot open it', async () => {
    const notAFolder = join(work, 'a-file');
    await writeFile(notAFolder, 'not a folder');
    const cache = new FeatureCache(join(notAFolder, 'features', 'features.sqlite'));
    try {
      expect(cache.warning).toContain('cannot be written');
      cache.putMany('ns', entries(1, 4));
      expect(cache.get('ns', 'sha-0')).toBeUndefined();
      expect(() => cache.sweep({ unusedSince: new Date() })).toThrow(
        expect.objectContaining({ code: 'IO_ERROR' }),
      );
    } finally {
      cache.close();
    }
  });

  it('a damaged file: the run goes on without it, and gc says it can be deleted', async () => {
    const file = join(work, 'damaged.sqlite');
    await writeFile(file, 'these bytes are not an SQLite database, whatever the name says'.repeat(100));
    const cache = new FeatureCache(file);
    try {
      expect(cache.warning).toMatch(/not a database/);
      cache.putMany('ns', entries(1, 4));
      expect(cache.get('ns', 'sha-0')).toBeUndefined();
      expect(() => cache.sweep({ unusedSince: new Date() })).toThrow(/cannot be opened/);
    } finally {
      cache.close();
    }
  });
});
