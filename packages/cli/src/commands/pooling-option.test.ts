import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureIo } from '@modelhub/testing';

import { runCli } from '../program.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cli-pooling-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('--pooling of hub embed and hub inspect', () => {
  it('refuses an unknown pooling before loading anything, and writes no .npy', async () => {
    const out = join(dir, 'features.npy');
    // The endpoint is a closed port: the refusal must come before any model is resolved.
    const global = ['--endpoint', 'http://127.0.0.1:9', '--offline'];
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
});
