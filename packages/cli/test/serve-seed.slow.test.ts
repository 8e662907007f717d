import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { captureIo } from '@modelhub/testing';

import { defaultSeedDir } from '../src/commands/serve.ts';

// `hub serve --seed` on a fresh clone: no .fixtures yet. The fixture models are built on demand
// by the checkout's own script, with a line of progress per step on stderr.

const repoRoot = resolve(import.meta.dirname, '../../..');

describe('hub serve --seed without a folder', () => {
  it('builds the fixture models first when the checkout has none, showing progress', async () => {
    const fresh = await mkdtemp(join(tmpdir(), 'modelhub-fresh-fixtures-'));
    const saved = process.env['MODELHUB_FIXTURES'];
    process.env['MODELHUB_FIXTURES'] = fresh;
    try {
      const io = captureIo();
      const seed = await defaultSeedDir(io, repoRoot);
      expect(seed).toBe(join(fresh, 'current', 'seed'));
      await access(join(seed, 'seed.json'));
      expect(io.out).toBe('');
      expect(io.err).toContain('building the fixture models from npm packages');
      expect(io.err).toMatch(/building 1\/\d+: model mobilenet-v2/);
      expect(io.err).toMatch(/building (\d+)\/\1: MNIST digits/);
      // A second start finds them and builds nothing.
      const again = captureIo();
      expect(await defaultSeedDir(again, repoRoot)).toBe(seed);
      expect(again.err).toBe('');
    } finally {
      if (saved === undefined) {
        delete process.env['MODELHUB_FIXTURES'];
      } else {
        process.env['MODELHUB_FIXTURES'] = saved;
      }
      await rm(fresh, { recursive: true, force: true });
    }
  });
});
