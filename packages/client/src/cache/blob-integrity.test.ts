import { open, mkdir, mkdtemp, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gitBlobSha1, sha256 } from '@modelhub/core';

import { BlobIntegrity } from './blob-integrity.ts';
import { RepoCache } from './repo-cache.ts';

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-blob-integrity-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
async function cacheWith(
  content: Buffer,
  algo: 'sha256' | 'git-sha1',
): Promise<{ cache: RepoCache; id: string }> {
  n += 1;
  const cache = new RepoCache(join(scratch, `root-${n}`), 'alice/model');
  const id = algo === 'sha256' ? sha256(content) : gitBlobSha1(content);
  await mkdir(cache.blobsDir, { recursive: true });
  await writeFile(cache.blobPath(id), content);
  return { cache, id };
}

/** Overwrites 4 bytes in place: same size, same inode, as a stray write or a bad sector would. */
async function flipBytes(path: string, at: number): Promise<void> {
  const file = await open(path, 'r+');
  try {
    await file.write(Buffer.from([0xde, 0xad, 0xbe, 0xef]), 0, 4, at);
  } finally {
    await file.close();
  }
}

describe('BlobIntegrity', () => {
  it('trusts a recorded blob with a stat, and re-hashes one that changed on disk', async () => {
    const { cache, id } = await cacheWith(Buffer.alloc(1 << 20, 7), 'sha256');
    const integrity = new BlobIntegrity();
    try {
      await integrity.recordVerified(cache, id);
      await integrity.check(cache, id, 'model.onnx');
      expect(integrity.rehashedBytes).toBe(0);

      // Touched but intact: one re-hash, then trusted again.
      const later = new Date(Date.now() + 5_000);
      await utimes(cache.blobPath(id), later, later);
      await integrity.check(cache, id, 'model.onnx');
      expect(integrity.rehashedBytes).toBe(1 << 20);
      await integrity.check(cache, id, 'model.onnx');
      expect(integrity.rehashedBytes).toBe(1 << 20);
    } finally {
      await integrity.close();
    }
  });

  it('finds 4 changed bytes even when the mtime is put back, and names the repair command', async () => {
    const { cache, id } = await cacheWith(Buffer.alloc(300_000, 1), 'sha256');
    const integrity = new BlobIntegrity();
    try {
      await integrity.recordVerified(cache, id);
      const before = await stat(cache.blobPath(id));
      await flipBytes(cache.blobPath(id), 1000);
      await utimes(cache.blobPath(id), before.atime, before.mtime);
      await expect(integrity.check(cache, id, 'onnx/model.onnx')).rejects.toMatchObject({
        code: 'INTEGRITY_MISMATCH',
        message: expect.stringContaining('onnx/model.onnx') as string,
        hint: expect.stringContaining('hub verify --repair alice/model') as string,
      });
    } finally {
      await integrity.close();
    }
  });

  it('re-hashes a blob it has no record of (another tool wrote it), by the hash its name says', async () => {
    const small = await cacheWith(Buffer.from('{"labels":["a","b"]}'), 'git-sha1');
    const integrity = new BlobIntegrity();
    try {
      await integrity.check(small.cache, small.id, 'config.json');
      expect(integrity.rehashedBytes).toBe(20);
      await flipBytes(small.cache.blobPath(small.id), 2);
      await expect(integrity.check(small.cache, small.id, 'config.json')).rejects.toMatchObject({
        code: 'INTEGRITY_MISMATCH',
      });
    } finally {
      await integrity.close();
    }
  });

  it('keeps its records across instances (the next process trusts what this one verified)', async () => {
    const { cache, id } = await cacheWith(Buffer.alloc(64 << 10, 3), 'sha256');
    const first = new BlobIntegrity();
    await first.recordVerified(cache, id);
    await first.close();
    const second = new BlobIntegrity();
    try {
      await second.check(cache, id, 'model.onnx');
      expect(second.rehashedBytes).toBe(0);
    } finally {
      await second.close();
    }
  });

  it('writes its records together when flushed or closed: until then another process re-hashes', async () => {
    const contents = [5, 6, 7].map((i) => Buffer.alloc(20_000 + i, i));
    const { cache } = await cacheWith(Buffer.from('unused'), 'git-sha1');
    const ids = contents.map((c) => sha256(c));
    await Promise.all(contents.map((c, i) => writeFile(cache.blobPath(ids[i] ?? ''), c)));
    const blobs = ids.map((id, i) => ({ id, path: `file-${i}.bin` }));
    const first = new BlobIntegrity();
    await Promise.all(ids.map((id) => first.recordVerified(cache, id)));
    const before = new BlobIntegrity();
    try {
      await before.checkAll(cache, blobs);
      expect(before.rehashedBytes).toBe(20_005 + 20_006 + 20_007);
    } finally {
      await before.close();
    }
    await first.close();
    const after = new BlobIntegrity();
    try {
      await after.checkAll(cache, blobs);
      expect(after.rehashedBytes).toBe(0);
    } finally {
      await after.close();
    }
  });

  it('checks many blobs with one lookup: only the changed one is re-hashed, the corrupt one named', async () => {
    const { cache } = await cacheWith(Buffer.from('unused'), 'git-sha1');
    const contents = [0, 1, 2, 3].map((i) => Buffer.alloc(10_000 + i, i));
    const ids = contents.map((c) => sha256(c));
    await Promise.all(contents.map((c, i) => writeFile(cache.blobPath(ids[i] ?? ''), c)));
    const blobs = ids.map((id, i) => ({ id, path: `part/file-${i}.bin` }));
    const integrity = new BlobIntegrity();
    try {
      await Promise.all(ids.map((id) => integrity.recordVerified(cache, id)));
      await integrity.checkAll(cache, blobs);
      expect(integrity.rehashedBytes).toBe(0);

      const later = new Date(Date.now() + 5_000);
      await utimes(cache.blobPath(ids[1] ?? ''), later, later);
      await integrity.checkAll(cache, blobs);
      expect(integrity.rehashedBytes).toBe(10_001);

      await flipBytes(cache.blobPath(ids[3] ?? ''), 10);
      await expect(integrity.checkAll(cache, blobs)).rejects.toMatchObject({
        code: 'INTEGRITY_MISMATCH',
        message: expect.stringContaining('part/file-3.bin') as string,
      });
      expect(integrity.rehashedBytes).toBe(10_001 + 10_003);
    } finally {
      await integrity.close();
    }
  });
});
