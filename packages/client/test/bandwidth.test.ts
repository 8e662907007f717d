import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { BandwidthLimit, pull } from '../src/index.ts';
import { publish } from './helpers/publish.ts';

// `limitRate` against the real registry: every body byte of every transport goes through the
// shared budget (none bypasses it on a raw socket), and the files still arrive verified.

let registry: TestRegistry;
let scratch: string;
const repo = 'alice/paced';
const files: Record<string, Buffer> = { 'weights.bin': randomBytes(1_500_000) };
for (let i = 0; i < 6; i += 1) {
  files[`config-${String(i)}.bin`] = randomBytes(20_000 + i * 1000);
}
const total = Object.values(files).reduce((n, b) => n + b.length, 0);

beforeAll(async () => {
  registry = await startTestRegistry({});
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-client-paced-'));
  await publish(registry.url, await registry.createToken('alice', true), repo, files);
});

afterAll(async () => {
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

describe('a bandwidth limit', () => {
  it('paces every body of a pull, small files and a large one alike, and keeps them verified', async () => {
    const limit = new BandwidthLimit(8_000_000, { burstBytes: 64 << 10 });
    const result = await pull(repo, {
      endpoint: registry.url,
      cacheDir: await mkdtemp(join(scratch, 'cache-')),
      env: {},
      include: ['*.bin'],
      limitRate: limit,
      // weights.bin takes the large-file path (partial file, resumable), the configs the small one;
      // both would use a raw socket at full speed (socketMinBytes: 1).
      tuning: { smallFileThreshold: 100_000, socketMinBytes: 1 },
    });
    expect(result.downloadedBytes).toBe(total);
    expect(limit.bytes).toBe(total);
    expect(limit.pauses).toBeGreaterThan(0);
    for (const [path, content] of Object.entries(files)) {
      expect((await readFile(join(result.dir, path))).equals(content)).toBe(true);
    }
  });

  it('is shared by pulls that are handed the same limit', async () => {
    const limit = new BandwidthLimit(8_000_000);
    const cacheDirs = await Promise.all([1, 2].map(() => mkdtemp(join(scratch, 'shared-'))));
    const results = await Promise.all(
      cacheDirs.map((cacheDir) =>
        pull(repo, { endpoint: registry.url, cacheDir, env: {}, include: ['config-*'], limitRate: limit }),
      ),
    );
    expect(limit.bytes).toBe(results.reduce((n, r) => n + r.downloadedBytes, 0));
  });

  it('refuses a rate too low to keep a transfer alive', async () => {
    await expect(
      pull(repo, { endpoint: registry.url, cacheDir: scratch, env: {}, limitRate: 1000 }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
  });
});
