import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { text } from 'node:stream/consumers';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { FsBlobStore } from './fs-blob-store.ts';

describe('FsBlobStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-blobs-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('stores by sha256, reads ranges, and refuses mismatches without leaving files', async () => {
    const store = new FsBlobStore(dir);
    const data = Buffer.from('0123456789');
    const stored = await store.write([data], { sha256: sha256(data), size: 10, maxSize: 10 });
    expect(stored).toEqual({ sha256: sha256(data), size: 10 });
    expect(await store.stat(sha256(data))).toBe(10);
    expect(await text(store.read(sha256(data), { start: 3, end: 5 }))).toBe('345');
    await expect(
      store.write([Buffer.from('x')], { sha256: 'a'.repeat(64), maxSize: 10 }),
    ).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
    });
    await expect(store.write([data, data], { maxSize: 10 })).rejects.toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
    });
    expect(await readdir(join(dir, 'tmp'))).toEqual([]);
    expect(await store.stat('a'.repeat(64))).toBeUndefined();
  });

  it('joins multipart parts in order and checks the whole', async () => {
    const store = new FsBlobStore(dir);
    const whole = Buffer.from('abcdefghij');
    await store.writePart('up1', 2, [whole.subarray(4)], 10);
    await store.writePart('up1', 1, [whole.subarray(0, 4)], 10);
    const parts = [
      { partNumber: 1, etag: '' },
      { partNumber: 2, etag: '' },
    ];
    expect(await store.completeParts('up1', parts, { sha256: sha256(whole), size: 10, maxSize: 10 })).toEqual(
      {
        sha256: sha256(whole),
        size: 10,
      },
    );
    expect(await text(store.read(sha256(whole)))).toBe('abcdefghij');
    await expect(store.writePart('../evil', 1, [whole], 10)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
    });
  });
});
