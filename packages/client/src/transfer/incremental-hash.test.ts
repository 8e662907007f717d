import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { gitBlobSha1 } from '@modelhub/core';

import { inThreadHash, ThreadHash } from './incremental-hash.ts';

describe('IncrementalHash', () => {
  it('hashes on this thread (sha256 and git blob sha1), releasing at once', async () => {
    const bytes = randomBytes(100_000);
    for (const [algo, expected] of [
      ['sha256', createHash('sha256').update(bytes).digest('hex')],
      ['git-sha1', gitBlobSha1(bytes)],
    ] as const) {
      const hash = inThreadHash(algo, bytes.length);
      let released = 0;
      hash.update(bytes.subarray(0, 40_000), () => (released += 1));
      hash.update(bytes.subarray(40_000));
      expect(released).toBe(1);
      expect(await hash.digest()).toBe(expected);
      await hash.close();
    }
  });

  it('hashes bytes sent to a worker in order, copied so the caller may reuse them at once', async () => {
    const hash = new ThreadHash();
    try {
      const expected = createHash('sha256');
      const slab = Buffer.alloc(1 << 20);
      let released = 0;
      for (let round = 0; round < 12; round += 1) {
        slab.set(randomBytes(slab.length));
        const piece = slab.subarray(round * 1000, slab.length - round * 1000);
        expected.update(piece);
        hash.update(piece, () => (released += 1));
        // Released before `update` returns: overwriting the slab now must not change the digest.
        expect(released).toBe(round + 1);
        slab.fill(0);
      }
      expect(await hash.digest()).toBe(expected.digest('hex'));
    } finally {
      await hash.close();
    }
  });

  it('hashes ranges of a file on the worker, in order with bytes sent to it', async () => {
    const bytes = randomBytes(3_000_000);
    const dir = await mkdtemp(join(tmpdir(), 'modelhub-thread-hash-'));
    const hash = new ThreadHash();
    try {
      const path = join(dir, 'partial');
      await writeFile(path, bytes.subarray(0, 2_500_000));
      const ranges = [
        hash.updateFromFile(path, 0, 1_000_000),
        hash.updateFromFile(path, 1_000_000, 2_500_000),
      ];
      hash.update(bytes.subarray(2_500_000));
      await Promise.all(ranges);
      expect(await hash.digest()).toBe(createHash('sha256').update(bytes).digest('hex'));
      // A range the file does not hold fails the hash instead of hashing fewer bytes.
      const short = new ThreadHash();
      try {
        await expect(short.updateFromFile(path, 0, 3_000_000)).rejects.toThrow(/short read/);
        await expect(short.digest()).rejects.toThrow();
      } finally {
        await short.close();
      }
    } finally {
      await hash.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
