import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { readLockfile, writeLockedModel, type LockedModel } from './lockfile.ts';

const dir = mkdtemp(join(tmpdir(), 'modelhub-lockfile-'));
afterAll(async () => rm(await dir, { recursive: true, force: true }));

const locked: LockedModel = {
  endpoint: 'http://127.0.0.1:1',
  repo: 'ns/name',
  revision: 'main',
  commit: 'a'.repeat(40),
  files: [
    { path: 'model.onnx', size: 10, lfs: true, sha256: 'b'.repeat(64), gitOid: 'c'.repeat(40) },
    { path: 'config.json', size: 2, lfs: false, gitOid: 'd'.repeat(40) },
  ],
};

describe('readLockfile', () => {
  it('reads back what writeLockedModel wrote; a missing file is empty unless required', async () => {
    const path = join(await dir, 'good.lock');
    expect(await readLockfile(path, false)).toEqual({ lockfileVersion: 1, models: {} });
    await expect(readLockfile(path, true)).rejects.toMatchObject({ code: 'LOCKFILE_DRIFT' });
    await writeLockedModel(path, 'ns/name', locked);
    const { revision, ...unpinned } = locked;
    await writeLockedModel(path, 'other', { ...unpinned, repo: 'ns/other' });
    const read = await readLockfile(path, true);
    expect(read.models['ns/name']).toEqual({ ...locked, files: [locked.files[1], locked.files[0]] });
    expect(read.models['other']).not.toHaveProperty('revision');
    expect(revision).toBe('main');
  });

  it('refuses a file that is not JSON', async () => {
    const path = join(await dir, 'broken.lock');
    await writeFile(path, '{"lockfileVersion": 1,');
    await expect(readLockfile(path, true)).rejects.toMatchObject({
      code: 'INVALID_MANIFEST',
      message: expect.stringContaining('is not JSON') as string,
    });
  });

  const model = (change: Record<string, unknown>): unknown => ({ ...locked, ...change });
  const file = (change: Record<string, unknown>): unknown =>
    model({ files: [{ ...locked.files[0], ...change }] });
  it.each([
    ['a wrong version', { lockfileVersion: 2, models: {} }, 'lockfileVersion: expected 1, received 2'],
    ['no models', { lockfileVersion: 1 }, 'models: expected an object, received nothing'],
    [
      'a short commit',
      { models: { m: model({ commit: 'abc' }) } },
      'models.m.commit: expected 40 lowercase hex',
    ],
    [
      'no endpoint',
      { models: { m: model({ endpoint: undefined }) } },
      'models.m.endpoint: expected a string',
    ],
    ['a numeric revision', { models: { m: model({ revision: 3 }) } }, 'models.m.revision: expected a string'],
    ['files as an object', { models: { m: model({ files: {} }) } }, 'models.m.files: expected an array'],
    [
      'a bad sha256',
      { models: { m: file({ sha256: 'x' }) } },
      'models.m.files.0.sha256: expected 64 lowercase hex',
    ],
    [
      'a negative size',
      { models: { m: file({ size: -2 }) } },
      'models.m.files.0.size: expected an integer ≥ 0',
    ],
    [
      'an empty path',
      { models: { m: file({ path: '' }) } },
      'models.m.files.0.path: expected a non-empty string',
    ],
    ['lfs as text', { models: { m: file({ lfs: 'true' }) } }, 'models.m.files.0.lfs: expected a boolean'],
  ])('refuses a lockfile with %s, naming the field', async (name, content, issue) => {
    const path = join(await dir, `${name.replaceAll(' ', '-')}.lock`);
    await writeFile(path, JSON.stringify({ lockfileVersion: 1, ...content }));
    const error = await readLockfile(path, true).catch((e: unknown) => e);
    expect(error).toMatchObject({
      code: 'INVALID_MANIFEST',
      message: `The lockfile ${path} is not a modelhub lockfile.`,
    });
    expect((error as { details: { issues: string[] } }).details.issues[0]).toContain(issue);
    // The file is left as it was.
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({ lockfileVersion: 1, ...content });
  });
});
