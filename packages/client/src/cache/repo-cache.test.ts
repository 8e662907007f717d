import { lstat, mkdtemp, readlink, rm, symlink, unlink, writeFile } from 'node:fs/promises';
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
