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

  it('hashes shared slabs in place on a worker, in order, releasing each once when done', async () => {
    const hash = new ThreadHash();
    try {
      const expected = createHash('sha256');
      const slabs = [0, 1, 2].map(() => Buffer.from(new SharedArrayBuffer(1 << 20)));
      const released = new Map<number, number>();
      let pending = 0;
      // 12 rounds over 3 shared slabs: a slab is refilled only after the worker released it.
      for (let round = 0; round < 12; round += 1) {
        const index = round % 3;
        const slab = slabs[index] ?? Buffer.alloc(0);
        if (round >= 3) {
          await expect.poll(() => released.get(round - 3) ?? 0).toBe(1);
        }
        slab.set(randomBytes(slab.length));
        const length = slab.length - round * 1000;
        expected.update(slab.subarray(0, length));
        pending += 1;
        hash.update(slab.subarray(0, length), () => {
          released.set(round, (released.get(round) ?? 0) + 1);
          pending -= 1;
        });
        // Unshared bytes are copied, so the caller may reuse them at once.
        const loose = randomBytes(777);
        expected.update(loose);
        let looseReleased = 0;
        hash.update(loose, () => (looseReleased += 1));
        expect(looseReleased).toBe(1);
        loose.fill(0);
      }
      expect(await hash.digest()).toBe(expected.digest('hex'));
      expect(pending).toBe(0);
      expect([...released.values()].every((n) => n === 1)).toBe(true);
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
