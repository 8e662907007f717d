import { randomBytes } from 'node:crypto';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { gitBlobSha1, sha256 } from '@modelhub/core';

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

  it('mixes held and read-back bytes when the memory cap is small', async () => {
    const bytes = randomBytes(200_000);
    for (const cap of [1024, 3000, 8192, 50_000]) {
      const hasher = await run(bytes, 'sha256', cap);
      expect(hasher.digestHex).toBe(sha256(bytes));
    }
  });
});
