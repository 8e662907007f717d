import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { gitBlobSha1, sha256 } from '@modelhub/core';

import { ThreadHash } from './incremental-hash.ts';
import { splitLargest } from './segment-split.ts';
import { SequentialHasher, type Segment } from './sequential-hasher.ts';

describe('SequentialHasher', () => {
  const dir = mkdtemp(join(tmpdir(), 'modelhub-hasher-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  /** Writes `bytes` as 4 segments in 1 KiB pieces, interleaved out of order, reporting each write. */
  async function run(
    bytes: Buffer,
    algo: 'sha256' | 'git-sha1',
    maxHeld: number,
    resumed = 0,
  ): Promise<SequentialHasher & { digestHex: string }> {
    const file = await open(join(await dir, `f-${Math.random()}`), 'w+');
    await file.truncate(bytes.length);
    const segments: Segment[] = [];
    if (resumed > 0) {
      await file.write(bytes, 0, resumed, 0);
      segments.push({ start: 0, end: resumed, written: resumed });
    }
    const quarter = Math.ceil((bytes.length - resumed) / 4);
    for (let s = resumed; s < bytes.length; s += quarter) {
      segments.push({ start: s, end: Math.min(bytes.length, s + quarter), written: 0 });
    }
    const hasher = new SequentialHasher(algo, bytes.length, file, segments, maxHeld);
    const todo = segments.filter((s) => s.written < s.end - s.start);
    for (let round = 0; todo.some((s) => s.written < s.end - s.start); round += 1) {
      for (const segment of [...todo].reverse()) {
        const at = segment.start + segment.written;
        const piece = bytes.subarray(at, Math.min(segment.end, at + 1024));
        if (piece.length === 0) {
          continue;
        }
        await file.write(piece, 0, piece.length, at);
        segment.written += piece.length;
        hasher.written(at, Buffer.from(piece));
      }
    }
    const digestHex = await hasher.digest();
    await file.close();
    return Object.assign(hasher, { digestHex });
  }

  it('hashes out-of-order parallel writes from memory, without reading back', async () => {
    const bytes = randomBytes(40_000);
    const hasher = await run(bytes, 'sha256', 1 << 20);
    expect(hasher.digestHex).toBe(sha256(bytes));
    expect(hasher.readBackBytes).toBe(0);
  });

  it('reads back from the file what it could not hold, and hashes resumed bytes', async () => {
    const bytes = randomBytes(40_000);
    const hasher = await run(bytes, 'git-sha1', 0, 5_000);
    expect(hasher.digestHex).toBe(gitBlobSha1(bytes));
    expect(hasher.readBackBytes).toBeGreaterThan(5_000);
  });

  it('with a hash that reads files itself, hashes resumed bytes from start(), before new bytes arrive', async () => {
    const bytes = randomBytes(3 << 20);
    const resumed = 2 << 20;
    const path = join(await dir, `resumed-${Math.random()}`);
    const file = await open(path, 'w+');
    await file.write(bytes, 0, resumed, 0);
    const segments: Segment[] = [
      { start: 0, end: resumed, written: resumed },
      { start: resumed, end: bytes.length, written: 0 },
    ];
    const hash = new ThreadHash();
    try {
      const hasher = new SequentialHasher('sha256', bytes.length, file, segments, 1 << 20, hash, path);
      hasher.start();
      // The kept prefix is hashed (by the worker, from the file) while nothing new has arrived.
      await expect.poll(() => hasher.hashedBytes).toBe(resumed);
      expect(hasher.readBackBytes).toBe(resumed);
      const rest = segments[1] as Segment;
      for (let at = resumed; at < bytes.length; at += 100_000) {
        const piece = bytes.subarray(at, Math.min(bytes.length, at + 100_000));
        await file.write(piece, 0, piece.length, at);
        rest.written += piece.length;
        hasher.written(at, Buffer.from(piece));
      }
      expect(await hasher.digest()).toBe(sha256(bytes));
      // The new bytes too are read back from the file by the worker, not handed over.
      expect(hasher.readBackBytes).toBe(bytes.length);
    } finally {
      await hash.close();
      await file.close();
    }
  });

  it('with a hash that reads files itself, follows the file: it hashes what the file holds, in a few large reads, and frees every buffer at once', async () => {
    const bytes = randomBytes(9 << 20);
    const path = join(await dir, `follow-${Math.random()}`);
    const file = await open(path, 'w+');
    await file.truncate(bytes.length);
    const third = bytes.length / 3;
    const segments: Segment[] = [0, 1, 2].map((i) => ({
      start: i * third,
      end: (i + 1) * third,
      written: 0,
    }));
    const thread = new ThreadHash();
    const reads: [number, number][] = [];
    const hash = {
      update: (b: Buffer, release?: () => void) => thread.update(b, release),
      updateFromFile: (p: string, start: number, end: number) => {
        reads.push([start, end]);
        return thread.updateFromFile(p, start, end);
      },
      digest: () => thread.digest(),
      close: () => thread.close(),
    };
    try {
      const hasher = new SequentialHasher('sha256', bytes.length, file, segments, 1 << 20, hash, path);
      let released = 0;
      // The three ranges arrive interleaved, last one first, in 64 KiB writes; what the hasher is
      // handed is garbage of the right length: only the file's bytes may count.
      for (let left = true; left;) {
        left = false;
        for (const segment of [...segments].reverse()) {
          const at = segment.start + segment.written;
          const piece = bytes.subarray(at, Math.min(segment.end, at + (64 << 10)));
          if (piece.length === 0) {
            continue;
          }
          left = true;
          await file.write(piece, 0, piece.length, at);
          segment.written += piece.length;
          hasher.written(at, randomBytes(piece.length), true, () => (released += 1));
        }
      }
      expect(await hasher.digest()).toBe(sha256(bytes));
      expect(released).toBe(bytes.length / (64 << 10));
      expect(hasher.readBackBytes).toBe(bytes.length);
      // Contiguous reads from the start to the end, none smaller than 4 MiB but the last.
      expect(reads[0]?.[0]).toBe(0);
      expect(reads.at(-1)?.[1]).toBe(bytes.length);
      for (const [i, [start, end]] of reads.entries()) {
        expect(start).toBe(i === 0 ? 0 : reads[i - 1]?.[1]);
        if (i < reads.length - 1) {
          expect(end - start).toBeGreaterThanOrEqual(4 << 20);
        }
      }
    } finally {
      await hash.close();
      await file.close();
    }
  });

  it('mixes held and read-back bytes when the memory cap is small', async () => {
    const bytes = randomBytes(200_000);
    for (const cap of [1024, 3000, 8192, 50_000]) {
      const hasher = await run(bytes, 'sha256', cap);
      expect(hasher.digestHex).toBe(sha256(bytes));
    }
  });

  it('hashes a file whose running ranges are split and finished by other writers', async () => {
    const bytes = randomBytes(1 << 20);
    const file = await open(join(await dir, `split-${Math.random()}`), 'w+');
    await file.truncate(bytes.length);
    const half = bytes.length / 2;
    const segments: Segment[] = [
      { start: 0, end: half, written: 0 },
      { start: half, end: bytes.length, written: 0 },
    ];
    const hasher = new SequentialHasher('sha256', bytes.length, file, segments, 64 << 10);
    const write = async (segment: Segment, length: number): Promise<void> => {
      const at = segment.start + segment.written;
      const piece = bytes.subarray(at, Math.min(segment.end, at + length));
      await file.write(piece, 0, piece.length, at);
      segment.written += piece.length;
      hasher.written(at, Buffer.from(piece));
    };
    const [first, second] = segments as [Segment, Segment];
    await write(first, 10_000);
    await write(second, half); // The second range is done; its writer steals from the first, twice.
    const stolen = splitLargest(segments, 64 << 10);
    expect(stolen).toBeDefined();
    hasher.addSegment(stolen as Segment);
    const again = splitLargest([first, stolen as Segment], 64 << 10);
    hasher.addSegment(again as Segment);
    for (const segment of [again as Segment, stolen as Segment, first].reverse()) {
      while (segment.written < segment.end - segment.start) {
        await write(segment, 30_000);
      }
    }
    expect(await hasher.digest()).toBe(sha256(bytes));
    await file.close();
  });
});

describe('splitLargest', () => {
  it('gives an idle connection the second half of what the busiest range has left', () => {
    const slow: Segment = { start: 0, end: 16 << 20, written: 1 << 20 };
    const fast: Segment = { start: 16 << 20, end: 32 << 20, written: 15 << 20 };
    const stolen = splitLargest([fast, slow], 1 << 20);
    // 15 MiB left of the slow range: it keeps up to the middle of that (aligned), the rest is stolen.
    expect(stolen).toEqual({ start: 8.5 * (1 << 20), end: 16 << 20, written: 0 });
    expect(slow.end).toBe(8.5 * (1 << 20));
    expect(fast.end).toBe(32 << 20);
  });

  it('splits nothing when the halves would be smaller than the minimum', () => {
    const segment: Segment = { start: 0, end: 3 << 20, written: 1 << 20 };
    expect(splitLargest([segment], 2 << 20)).toBeUndefined();
    expect(segment.end).toBe(3 << 20);
    expect(splitLargest([], 1)).toBeUndefined();
  });
});
