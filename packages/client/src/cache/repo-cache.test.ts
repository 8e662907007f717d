import { lstat, mkdtemp, readFile, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { RepoCache, linkTarget } from './repo-cache.ts';

const commit = 'a'.repeat(40);
const id = 'b'.repeat(64);
const other = 'c'.repeat(64);

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'modelhub-repo-cache-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('snapshot links', () => {
  it('point at the blob by the relative path path.relative gives', () => {
    const cache = new RepoCache(root, 'ns/name');
    for (const path of ['model.onnx', 'onnx/model.onnx', 'a/b/c/d.bin']) {
      const link = cache.snapshotPath(commit, path);
      expect(linkTarget(path, id)).toBe(relative(dirname(link), cache.blobPath(id)));
    }
  });

  it('in a snapshot already on disk: kept when right, made when missing, replaced when wrong', async () => {
    const paths = ['config.json', 'onnx/model.onnx', 'onnx/tokenizer.json', 'vocab.txt'];
    const first = new RepoCache(root, 'ns/name');
    await first.prepareSnapshot(commit, paths);
    for (const path of paths) {
      await first.linkSnapshot(commit, path, id);
    }
    const right = cache(first, 'config.json');
    const before = await lstat(right);
    // What another process (or a user) left behind: a missing link, one to another blob, a copy.
    await unlink(cache(first, 'onnx/model.onnx'));
    await unlink(cache(first, 'onnx/tokenizer.json'));
    await symlink(linkTarget('onnx/tokenizer.json', other), cache(first, 'onnx/tokenizer.json'));
    await unlink(cache(first, 'vocab.txt'));
    await writeFile(cache(first, 'vocab.txt'), 'a plain copy');

    const second = new RepoCache(root, 'ns/name'); // A new process: the folders exist.
    await second.prepareSnapshot(commit, paths);
    for (const path of paths) {
      await second.linkSnapshot(commit, path, id);
    }
    for (const path of paths) {
      expect(await readlink(cache(second, path)), path).toBe(linkTarget(path, id));
      expect(await second.isLinked(commit, path, id)).toBe(true);
    }
    expect((await lstat(right)).ino).toBe(before.ino); // Left alone, not re-made.
  });
});

function cache(c: RepoCache, path: string): string {
  return c.snapshotPath(commit, path);
}

describe('trees/<commit>.json', () => {
  const sha1 = 'd'.repeat(40);
  const files = [
    { path: 'model.onnx', size: 5, lfs: true, sha256: id, gitOid: sha1 },
    { path: 'cfg/config.json', size: 2, lfs: false, gitOid: 'e'.repeat(40) },
  ];

  it('reads back what was written', async () => {
    const cache = new RepoCache(root, 'ns/name');
    await cache.writeTree(commit, files);
    expect(await cache.readTree(commit)).toEqual(files);
  });

  it.each([
    ['a wrong format version', (doc: TreeDoc) => ({ ...doc, format_version: 2 })],
    ['files as a list', (doc: TreeDoc) => ({ ...doc, files: Object.values(doc.files) })],
    ['a negative size', (doc: TreeDoc) => withFile(doc, { size: -1 })],
    ['a blob id that is not text', (doc: TreeDoc) => withFile(doc, { blob_id: 12 })],
    ['a wrong lfs_sha256', (doc: TreeDoc) => withFile(doc, { lfs_sha256: 5 })],
    ['a wrong lfs_size', (doc: TreeDoc) => withFile(doc, { lfs_size: '5' })],
  ])('is no tree with %s (fetched again)', async (_, corrupt) => {
    const cache = new RepoCache(root, 'ns/name');
    await cache.writeTree(commit, files);
    const file = join(cache.dir, 'trees', `${commit}.json`);
    await writeFile(file, JSON.stringify(corrupt(JSON.parse(await readFile(file, 'utf8')) as TreeDoc)));
    expect(await cache.readTree(commit)).toBeUndefined();
  });
});

interface TreeDoc {
  format_version: number;
  files: Record<string, Record<string, unknown>>;
}

function withFile(doc: TreeDoc, change: Record<string, unknown>): TreeDoc {
  return { ...doc, files: { ...doc.files, 'model.onnx': { ...doc.files['model.onnx'], ...change } } };
}
