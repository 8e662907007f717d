import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { gitBlobSha1 } from '@modelhub/core';

import { gitTreeShas } from './git-objects.ts';

describe('gitTreeShas', () => {
  it('computes the same tree ids as git itself', async () => {
    const files: Record<string, string> = {
      'README.md': '# hi\n',
      'a.txt': 'a',
      'a-b.txt': 'ab',
      'a/x.json': '{}',
      'a/deeper/y.bin': 'y',
      'b/z': 'z',
    };
    const dir = await mkdtemp(join(tmpdir(), 'modelhub-git-'));
    try {
      for (const [path, text] of Object.entries(files)) {
        await mkdir(dirname(join(dir, path)), { recursive: true });
        await writeFile(join(dir, path), text);
      }
      const git = (...args: string[]): string =>
        execFileSync('git', args, {
          cwd: dir,
          encoding: 'utf8',
          env: { ...process.env, GIT_DIR: join(dir, '.git') },
        }).trim();
      git('init', '-q');
      git('add', '.');
      const root = git('write-tree');
      const sub = git('rev-parse', `${root}:a`);
      const trees = gitTreeShas(
        Object.entries(files).map(([path, text]) => ({ path, oid: gitBlobSha1(Buffer.from(text)) })),
      );
      expect(trees.get('')).toBe(root);
      expect(trees.get('a')).toBe(sub);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
