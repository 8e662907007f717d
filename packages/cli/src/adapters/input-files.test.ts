import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { expandInputs } from './input-files.ts';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelhub-inputs-'));
  await mkdir(join(dir, 'set', 'b'), { recursive: true });
  await mkdir(join(dir, 'empty'));
  await writeFile(join(dir, 'set', 'b', 'clip.wav'), '');
  await writeFile(join(dir, 'set', 'a.png'), '');
  await writeFile(join(dir, 'set', 'notes.md'), '');
  await writeFile(join(dir, 'set', 'c.txt'), '');
});

afterAll(() => rm(dir, { recursive: true, force: true }));

describe('expandInputs', () => {
  it('expands folders to their examples in sorted order and keeps files as given', async () => {
    expect(await expandInputs([join(dir, 'set'), join(dir, 'missing.png')])).toEqual([
      join(dir, 'set', 'a.png'),
      join(dir, 'set', 'b', 'clip.wav'),
      join(dir, 'set', 'c.txt'),
      join(dir, 'missing.png'),
    ]);
  });

  it('refuses when there is nothing to work on', async () => {
    await expect(expandInputs([join(dir, 'empty')])).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('No inputs') as string,
    });
  });
});
