import { describe, expect, it } from 'vitest';

import { resolveUrl, siblingsAsTree, transferTuning, treeToFiles } from './pull.ts';

describe('pull helpers', () => {
  it('uses one stream per file on loopback unless told otherwise, parallel ranges elsewhere', () => {
    expect(transferTuning('http://127.0.0.1:8080', undefined)?.parallelThreshold).toBe(
      Number.MAX_SAFE_INTEGER,
    );
    expect(transferTuning('http://localhost:1', {})?.parallelThreshold).toBe(Number.MAX_SAFE_INTEGER);
    expect(transferTuning('http://127.0.0.1:8080', { connectionsPerFile: 4 })).toEqual({
      connectionsPerFile: 4,
    });
    expect(transferTuning('https://hub.example.com', undefined)).toBeUndefined();
  });

  it('reads a ?blobs=true model info as tree entries, only when every sibling has its blob id and size', () => {
    const lfs = { sha256: 'b'.repeat(64), size: 9, pointerSize: 130 };
    expect(
      siblingsAsTree([
        { rfilename: 'a.txt', blobId: 'a'.repeat(40), size: 3 },
        { rfilename: 'w.onnx', blobId: 'c'.repeat(40), size: 9, lfs },
      ]),
    ).toEqual([
      { type: 'file', path: 'a.txt', oid: 'a'.repeat(40), size: 3 },
      { type: 'file', path: 'w.onnx', oid: 'c'.repeat(40), size: 9, lfs: { oid: 'b'.repeat(64), size: 9 } },
    ]);
    // A registry that ignores `blobs` (no blob ids): the pull asks for the tree instead.
    expect(siblingsAsTree([{ rfilename: 'a.txt' }])).toBeUndefined();
    expect(siblingsAsTree([{ rfilename: 'a.txt', blobId: 'a'.repeat(40) }])).toBeUndefined();
    expect(siblingsAsTree(undefined)).toBeUndefined();
  });

  it('maps tree entries to file entries (LFS sha256 vs git oid) and refuses unsafe paths', () => {
    const files = treeToFiles([
      { type: 'file', path: 'a.txt', oid: 'a'.repeat(40), size: 3 },
      {
        type: 'file',
        path: 'w/m.onnx',
        oid: 'b'.repeat(40),
        size: 130,
        lfs: { oid: 'c'.repeat(64), size: 9000 },
      },
    ]);
    expect(files).toEqual([
      { path: 'a.txt', size: 3, gitOid: 'a'.repeat(40), lfs: false },
      { path: 'w/m.onnx', size: 9000, sha256: 'c'.repeat(64), gitOid: 'b'.repeat(40), lfs: true },
    ]);
    expect(() => treeToFiles([{ type: 'file', path: '../evil', oid: 'a'.repeat(40), size: 1 }])).toThrow(
      expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
    );
    expect(() => treeToFiles([{ type: 'file', path: 'x', size: 1 }])).toThrow(
      expect.objectContaining({ code: 'HTTP_ERROR' }) as Error,
    );
  });

  it('builds resolve URLs with the commit and an encoded path', () => {
    expect(resolveUrl('http://h:1', 'ns/n', 'a'.repeat(40), 'dir/my file#1.txt')).toBe(
      `http://h:1/ns/n/resolve/${'a'.repeat(40)}/dir/my%20file%231.txt`,
    );
  });
});
