import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { createGitBlobHash, gitBlobSha1 } from './git-blob-sha1.ts';
import { hashFile } from './hash-file.ts';
import { lfsPointer } from './lfs-pointer.ts';
import { sha256 } from './sha256.ts';

// Known vectors: `git hash-object` and `sha256sum` of the same bytes.
const vectors = [
  {
    text: '',
    git: 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391',
    sha: 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
  },
  {
    text: 'hello world\n',
    git: '3b18e512dba79e4c8300dd08aeb37f8e728b8dad',
    sha: 'a948904f2f0f479b8f8197694b30184b0d2ed1c1cd2a1ec0fb85d299a192a447',
  },
  {
    text: 'what is up, doc?',
    git: 'bd9dbf5aae1a3862dd1526723246b20206e5fc37',
    sha: 'af4e812d13b4eae6da91024f15f7679dae49d40aee3fb4c7216b56d04193f46c',
  },
];

describe('hashing', () => {
  const dir = mkdtemp(join(tmpdir(), 'modelhub-hash-'));
  afterAll(async () => rm(await dir, { recursive: true, force: true }));

  it.each(vectors)('matches git hash-object and sha256sum for %j', async ({ text, git, sha }) => {
    expect(gitBlobSha1(Buffer.from(text))).toBe(git);
    expect(sha256(text)).toBe(sha);
    const file = join(await dir, 'f.bin');
    await writeFile(file, text);
    expect(await hashFile(file)).toEqual({ size: Buffer.byteLength(text), sha256: sha, gitSha1: git });
  });

  it('gives the same git id when the bytes arrive in pieces', () => {
    const text = Buffer.from(vectors[2]?.text ?? '');
    const hash = createGitBlobHash(text.byteLength);
    for (let i = 0; i < text.byteLength; i += 3) {
      hash.update(text.subarray(i, i + 3));
    }
    expect(hash.digest('hex')).toBe(vectors[2]?.git);
  });

  it('hashes a file larger than one read chunk', async () => {
    const bytes = Buffer.alloc(3 * (1 << 20) + 17, 7);
    const file = join(await dir, 'big.bin');
    await writeFile(file, bytes);
    const hashes = await hashFile(file);
    expect(hashes.sha256).toBe(sha256(bytes));
    expect(hashes.gitSha1).toBe(gitBlobSha1(bytes));
  });

  it('refuses a negative git blob size', () => {
    expect(() => createGitBlobHash(-1)).toThrow(RangeError);
  });

  it('writes the git-lfs pointer text byte for byte', () => {
    const pointer = lfsPointer('a'.repeat(64), 1234);
    expect(pointer).toBe(
      `version https://git-lfs.github.com/spec/v1\noid sha256:${'a'.repeat(64)}\nsize 1234\n`,
    );
  });
});
