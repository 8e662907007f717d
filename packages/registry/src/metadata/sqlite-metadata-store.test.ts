import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Commit } from '../domain/types.ts';
import { migrations } from './migrations.ts';
import { SqliteMetadataStore } from './sqlite-metadata-store.ts';

const first = '1'.repeat(40);

/** A commit, with the fields these tests do not look at filled in. */
function commitOf(repoId: number, sha: string, parent: string | null): Commit {
  return {
    sha,
    repoId,
    parent,
    title: 'initial commit',
    description: '',
    author: 'ann',
    createdAt: new Date().toISOString(),
    treeSha: 'f'.repeat(40),
    cardData: null,
  };
}

/** What createRepo writes first: a commit `first` with no files. */
const initial = (repoId: number) => ({ commit: commitOf(repoId, first, null), files: [] });

describe('SqliteMetadataStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-meta-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('migrates once, runs in WAL mode, and keeps data across reopenings', async () => {
    const file = join(dir, 'm.sqlite');
    const store = new SqliteMetadataStore(file);
    await store.ensureAccount('ann', 'user');
    await store.addOrgMember('club', 'ann');
    const secret = await store.setting('secret', () => 'first');
    await store.close();
    const again = new SqliteMetadataStore(file);
    expect((await again.getAccount('ann'))?.type).toBe('user');
    expect((await again.getAccount('club'))?.type).toBe('org');
    expect(await again.orgsOf('ann')).toEqual(['club']);
    expect(await again.setting('secret', () => 'second')).toBe(secret);
    await again.close();
    const raw = new DatabaseSync(file);
    const version = raw.prepare('PRAGMA user_version').get() as { user_version: number };
    const mode = raw.prepare('PRAGMA journal_mode').get() as { journal_mode: string };
    raw.close();
    expect(version.user_version).toBe(migrations.length);
    expect(mode.journal_mode).toBe('wal');
  });

  it('rolls a failed commit write back entirely', async () => {
    const store = new SqliteMetadataStore(join(dir, 'm.sqlite'));
    try {
      const repo = await store.createRepo(
        { type: 'model', namespace: 'a', name: 'r', private: false },
        initial,
      );
      const file = {
        path: 'x',
        size: 1,
        sha256: 'a'.repeat(64),
        gitOid: 'b'.repeat(40),
        lfs: false,
        lastCommit: '2'.repeat(40),
      };
      await expect(
        store.writeCommit(repo.id, {
          commit: commitOf(repo.id, '2'.repeat(40), first),
          files: [file],
          branch: 'main',
          expectedHead: '9'.repeat(40),
          discovery: { libraryName: 'onnx', pipelineTag: null, tags: ['onnx'] },
        }),
      ).rejects.toThrow(/moved/);
      expect(await store.getCommit(repo.id, '2'.repeat(40))).toBeUndefined();
      expect((await store.getRef(repo.id, 'branch', 'main'))?.commit).toBe(first);
      expect((await store.getRepo('model', 'a', 'r'))?.discovery.libraryName).toBeNull();
    } finally {
      await store.close();
    }
  });
});
