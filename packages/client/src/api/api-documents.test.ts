import { describe, expect, it } from 'vitest';

import { describeIssues, type DocumentSchema } from '@modelhub/core';

import {
  aliasDocument,
  modelInfoDocument,
  modelInfoListDocument,
  treePageDocument,
  whoamiDocument,
} from './api-documents.ts';

function issues<T>(schema: DocumentSchema<T>, value: unknown): string[] {
  const result = schema.safeParse(value);
  return result.success ? [] : describeIssues(result.error.issues);
}

const info = {
  id: 'ns/name',
  sha: 'a'.repeat(40),
  private: false,
  gated: 'manual',
  tags: ['onnx'],
  library_name: null,
  siblings: [{ rfilename: 'model.onnx', size: 3 }],
  cardData: { license: 'mit' },
  createdAt: '2024-01-01T00:00:00Z',
};

describe('the registry answers a pull reads', () => {
  it('a model info: checked fields as sent, fields we do not use kept', () => {
    expect(modelInfoDocument.safeParse(info)).toMatchObject({ success: true, data: info });
    expect(modelInfoDocument.safeParse({ id: 'ns/name' })).toMatchObject({ success: true });
    expect(modelInfoListDocument.safeParse([info, info])).toMatchObject({ success: true });
  });

  it.each([
    [{ ...info, id: undefined }, 'id: expected a string, received nothing'],
    [{ ...info, sha: 'main' }, 'sha: expected 40 lowercase hex digits'],
    [{ ...info, private: 'no' }, 'private: expected a boolean'],
    [{ ...info, gated: 1 }, 'gated: expected a string, received 1'],
    [{ ...info, downloads: '5' }, 'downloads: expected a number'],
    [{ ...info, tags: 'onnx' }, 'tags: expected an array'],
    [{ ...info, library_name: 5 }, 'library_name: expected a string'],
    [{ ...info, siblings: [{ name: 'a' }] }, 'siblings.0.rfilename: expected a string'],
    [{ ...info, cardData: [] }, 'cardData: expected an object, received an array'],
    ['ns/name', ': expected an object, received string'],
  ])('refuses a model info %j', (value, issue) => {
    expect(issues(modelInfoDocument, value)[0]).toContain(issue);
  });

  const entry = { type: 'file', path: 'model.onnx', oid: 'b'.repeat(40), size: 9, lfs: null };
  const lfs = { oid: 'c'.repeat(64), size: 9, pointerSize: 130 };
  it('a tree page: files and folders, LFS or not', () => {
    const page = [entry, { ...entry, lfs }, { type: 'directory', path: 'onnx', oid: 'd'.repeat(40) }];
    expect(treePageDocument.safeParse(page)).toEqual({ success: true, data: page });
  });

  it.each([
    [{ data: [] }, ': expected an array, received object'],
    [[{ ...entry, type: undefined }], '0.type: expected a string'],
    [[{ ...entry, path: 3 }], '0.path: expected a string'],
    [[{ ...entry, size: -1 }], '0.size: expected an integer ≥ 0'],
    [[{ ...entry, lfs: { ...lfs, oid: 'abc' } }], '0.lfs.oid: expected 64 lowercase hex digits'],
    [[{ ...entry, lfs: { ...lfs, size: 1.5 } }], '0.lfs.size: expected an integer ≥ 0'],
    [[{ ...entry, lfs: 'yes' }], '0.lfs: expected an object, received string'],
  ])('refuses a tree page %j', (value, issue) => {
    expect(issues(treePageDocument, value)[0]).toContain(issue);
  });

  it('an alias and a whoami answer', () => {
    expect(aliasDocument.safeParse({ alias: 'a', repo: 'ns/name', revision: null })).toMatchObject({
      success: true,
    });
    expect(issues(aliasDocument, { alias: 'a', revision: 1 })).toEqual([
      'repo: expected a string, received nothing',
      'revision: expected a string, received 1',
    ]);
    const me = { name: 'me', type: 'user', orgs: [{ name: 'org', extra: true }], email: 'x' };
    expect(whoamiDocument.safeParse(me)).toEqual({ success: true, data: me });
    expect(issues(whoamiDocument, { ...me, orgs: [{}] })).toEqual([
      'orgs.0.name: expected a string, received nothing',
    ]);
  });
});
