import { describe, expect, it } from 'vitest';

import { DocumentCheck } from '../schema/document-check.ts';
import { readFileEntry } from './file-entry.ts';

function read(value: unknown): { entry: unknown; issues: string[] } {
  const check = new DocumentCheck();
  const entry = readFileEntry(check, value, ['files', 0]);
  return { entry, issues: check.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
}

describe('readFileEntry', () => {
  it('reads an LFS and a plain entry, dropping fields it does not know', () => {
    const lfs = { path: 'model.onnx', size: 10, sha256: 'a'.repeat(64), gitOid: 'b'.repeat(40), lfs: true };
    expect(read({ ...lfs, extra: 1 })).toEqual({ entry: lfs, issues: [] });
    expect(read({ path: 'a/config.json', size: 0, gitOid: 'c'.repeat(40), lfs: false })).toEqual({
      entry: { path: 'a/config.json', size: 0, gitOid: 'c'.repeat(40), lfs: false },
      issues: [],
    });
  });

  it.each([
    [{ path: '', size: 1, lfs: false }, 'files.0.path: expected a non-empty string'],
    [{ path: 'a', size: -1, lfs: false }, 'files.0.size: expected an integer ≥ 0'],
    [{ path: 'a', size: 1, lfs: 'yes' }, 'files.0.lfs: expected a boolean, received string'],
    [{ path: 'a', size: 1, lfs: true, sha256: 'abc' }, 'files.0.sha256: expected 64 lowercase hex digits'],
    [
      { path: 'a', size: 1, lfs: false, gitOid: 'G'.repeat(40) },
      'files.0.gitOid: expected 40 lowercase hex digits',
    ],
    [{ size: 1, lfs: false }, 'files.0.path: expected a string, received nothing'],
    ['a.bin', 'files.0: expected an object, received string'],
  ])('refuses %j', (value, issue) => {
    expect(read(value).issues[0]).toContain(issue);
  });
});
