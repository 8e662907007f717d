import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { writeCacheFile } from './write-cache-file.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-cache-file-'));
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('writeCacheFile', () => {
  it('writes the whole file, making its folder, and leaves no temp file', async () => {
    const file = join(work, 'a', 'b', 'plan.json');
    expect(await writeCacheFile(file, '{"v":1}')).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('{"v":1}');
    expect(await readdir(join(work, 'a', 'b'))).toEqual(['plan.json']);
  });

  it('writes nothing and says so where the folder cannot be made, leaving no temp file', async () => {
    await writeFile(join(work, 'blocked'), 'a file, not a folder');
    expect(await writeCacheFile(join(work, 'blocked', 'plan.json'), '{}')).toBe(false);
    expect((await readdir(work)).filter((n) => n.endsWith('.tmp'))).toEqual([]);
  });
});
