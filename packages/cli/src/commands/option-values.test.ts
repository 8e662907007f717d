import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureIo } from '@modelhub/testing';

import { runCli } from '../program.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-options-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('option values are checked before anything runs', () => {
  it('refuses an unknown pooling before loading anything, and writes no .npy', async () => {
    const out = join(dir, 'features.npy');
    // The endpoint is a closed port: the refusal must come before any model is resolved.
    const global = ['--endpoint', 'http://127.0.0.1:9', '--offline', '--cache-dir', join(dir, 'cache')];
    const embed = captureIo();
    expect(
      await runCli([...global, 'embed', 'me/model', 'a.png', '--out', out, '--pooling', 'bogus'], embed),
    ).toBe(1);
    expect(embed.err).toMatch(
      /error \[INVALID_ARGUMENT\]: .*'bogus' is invalid\. Allowed choices are mean, max, meanmax, cls, flatten/,
    );
    await expect(stat(out)).rejects.toMatchObject({ code: 'ENOENT' });
    const inspect = captureIo();
    expect(await runCli([...global, 'inspect', 'me/model', '--pooling', 'avgg'], inspect)).toBe(1);
    expect(inspect.err).toMatch(/error \[INVALID_ARGUMENT\]: .*'avgg' is invalid/);
  });

  it('refuses a count that is not a whole number of at least 1 (--top, --limit, --batch-size, --epochs)', async () => {
    const global = ['--endpoint', 'http://127.0.0.1:9', '--offline', '--cache-dir', join(dir, 'cache')];
    const cases: Array<[string[], string]> = [
      [['predict', 'me/head', 'a.png', '--top', 'abc'], '--top'],
      [['predict', 'me/head', 'a.png', '--top', '0'], '--top'],
      [['search', '--limit', '-3'], '--limit'],
      [
        ['train', '--base', 'me/model', '--data', dir, '--out', join(dir, 'head'), '--epochs', '0'],
        '--epochs',
      ],
      [['embed', 'me/model', 'a.png', '--out', join(dir, 'x.npy'), '--batch-size', '2.5'], '--batch-size'],
    ];
    for (const [args, flag] of cases) {
      const io = captureIo();
      expect(await runCli([...global, ...args], io), args.join(' ')).toBe(1);
      expect(io.err).toMatch(
        new RegExp(`^error \\[INVALID_ARGUMENT\\]: ${flag} must be a whole number of at least 1`),
      );
    }
  });
});
