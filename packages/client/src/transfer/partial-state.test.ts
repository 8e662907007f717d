import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadPartialState, missingRanges, normalizeRanges, savePartialState } from './partial-state.ts';

describe('partial download state', () => {
  const dir = mkdtemp(join(tmpdir(), 'modelhub-partial-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it('merges ranges and finds the gaps', () => {
    expect(
      normalizeRanges([
        [5, 10],
        [0, 3],
        [3, 4],
        [9, 12],
        [7, 7],
      ]),
    ).toEqual([
      [0, 4],
      [5, 12],
    ]);
    expect(
      missingRanges(20, [
        [0, 4],
        [5, 12],
      ]),
    ).toEqual([
      [4, 5],
      [12, 20],
    ]);
    expect(missingRanges(10, [])).toEqual([[0, 10]]);
    expect(missingRanges(10, [[0, 10]])).toEqual([]);
  });

  it('leaves no temp file behind when the state cannot be saved', async () => {
    const folder = join(await dir, 'unsaved');
    // The state's path is a non-empty folder, so the rename fails after the temp file was written.
    await mkdir(join(folder, 'x.partial.json'), { recursive: true });
    await writeFile(join(folder, 'x.partial.json', 'occupied'), '');
    await expect(
      savePartialState(join(folder, 'x.partial.json'), {
        version: 1,
        id: 'x',
        size: 1,
        algo: 'sha256',
        done: [],
      }),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(EISDIR|ENOTEMPTY|EEXIST)$/) as unknown });
    expect(await readdir(folder)).toEqual(['x.partial.json']);
  });

  it('reloads a state only for the same blob and a partial file of the right length', async () => {
    const partial = join(await dir, 'x.partial');
    const state = join(await dir, 'x.partial.json');
    await writeFile(partial, Buffer.alloc(100));
    await savePartialState(state, {
      version: 1,
      id: 'a'.repeat(64),
      size: 100,
      algo: 'sha256',
      done: [
        [0, 10],
        [5, 20],
      ],
    });
    const expected = { id: 'a'.repeat(64), size: 100, algo: 'sha256' as const };
    expect((await loadPartialState(state, partial, expected))?.done).toEqual([[0, 20]]);
    expect(await loadPartialState(state, partial, { ...expected, id: 'b'.repeat(64) })).toBeUndefined();
    expect(await loadPartialState(state, partial, { ...expected, size: 101 })).toBeUndefined();
    await writeFile(partial, Buffer.alloc(20));
    expect((await loadPartialState(state, partial, expected))?.done).toEqual([[0, 20]]);
    await writeFile(partial, Buffer.alloc(19));
    expect(await loadPartialState(state, partial, expected)).toBeUndefined();
    await writeFile(partial, Buffer.alloc(101));
    expect(await loadPartialState(state, partial, expected)).toBeUndefined();
    await writeFile(state, '{not json');
    expect(await loadPartialState(state, partial, expected)).toBeUndefined();
  });

  it.each([
    ['a wrong version', { version: 2 }],
    ['an unknown hash', { algo: 'md5' }],
    ['a negative size', { size: -1 }],
    ['a range that is not a pair', { done: [[0, 5, 9]] }],
    ['a fractional offset', { done: [[0, 2.5]] }],
    ['ranges as an object', { done: { 0: 5 } }],
    ['no id', { id: undefined }],
  ])('discards a state with %s', async (_, change) => {
    const partial = join(await dir, 'y.partial');
    const state = join(await dir, 'y.partial.json');
    const good = { version: 1, id: 'a'.repeat(64), size: 100, algo: 'sha256', done: [[0, 10]] };
    await writeFile(partial, Buffer.alloc(10));
    const expected = { id: 'a'.repeat(64), size: 100, algo: 'sha256' as const };
    await writeFile(state, JSON.stringify(good));
    expect((await loadPartialState(state, partial, expected))?.done).toEqual([[0, 10]]);
    await writeFile(state, JSON.stringify({ ...good, ...change }));
    expect(await loadPartialState(state, partial, expected)).toBeUndefined();
  });
});
