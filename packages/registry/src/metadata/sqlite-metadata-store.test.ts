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

  it('moves a repo with its history, refs, objects and aliases, and frees the old name', async () => {
    const store = new SqliteMetadataStore(join(dir, 'm.sqlite'));
    try {
      const repo = await store.createRepo(
        { type: 'model', namespace: 'ann', name: 'old', private: true },
        initial,
      );
      await store.setRef(repo.id, { kind: 'tag', name: 'v1', commit: first });
      await store.linkObject(repo.id, 'a'.repeat(64));
      await store.setAlias({ name: 'short', repoType: 'model', repo: 'ann/old', revision: null });
      await store.createRepo({ type: 'model', namespace: 'club', name: 'taken', private: false }, initial);
      await store.createRepo({ type: 'dataset', namespace: 'club', name: 'new', private: false }, initial);

      await expect(store.moveRepo(repo.id, { namespace: 'club', name: 'taken' })).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      // A dataset of the same name does not block a model.
      const moved = await store.moveRepo(repo.id, { namespace: 'club', name: 'new' });
      expect(moved).toMatchObject({
        id: repo.id,
        type: 'model',
        namespace: 'club',
        name: 'new',
        private: true,
      });
      expect(await store.getRepo('model', 'ann', 'old')).toBeUndefined();
      expect((await store.getRepo('model', 'club', 'new'))?.id).toBe(repo.id);
      expect((await store.getCommit(repo.id, first))?.title).toBe('initial commit');
      expect((await store.getRef(repo.id, 'tag', 'v1'))?.commit).toBe(first);
      expect(await store.hasObject(repo.id, 'a'.repeat(64))).toBe(true);
      expect((await store.getAlias('short'))?.repo).toBe('club/new');
      expect(
        (
          await store.listRepos({
            type: 'model',
            tags: [],
            sort: 'id',
            descending: false,
            offset: 0,
            limit: 10,
            privateNamespaces: '*',
          })
        ).repos.map((r) => `${r.namespace}/${r.name}`),
      ).toEqual(['club/new', 'club/taken']);
      // The old name can be created again.
      const again = await store.createRepo(
        { type: 'model', namespace: 'ann', name: 'old', private: false },
        initial,
      );
      expect(again.id).not.toBe(repo.id);
      await expect(store.moveRepo(9999, { namespace: 'x', name: 'y' })).rejects.toMatchObject({
        code: 'REPO_NOT_FOUND',
      });
    } finally {
      await store.close();
    }
  });

  it('deletes a branch or a tag and says whether it existed', async () => {
    const store = new SqliteMetadataStore(join(dir, 'm.sqlite'));
    try {
      const { id } = await store.createRepo(
        { type: 'model', namespace: 'ann', name: 'refs', private: false },
        initial,
      );
      await store.setRef(id, { kind: 'branch', name: 'dev', commit: first });
      await store.setRef(id, { kind: 'tag', name: 'dev', commit: first });
      expect(await store.deleteRef(id, 'branch', 'dev')).toBe(true);
      expect(await store.deleteRef(id, 'branch', 'dev')).toBe(false);
      expect(await store.getRef(id, 'branch', 'dev')).toBeUndefined();
      expect((await store.getRef(id, 'tag', 'dev'))?.commit).toBe(first);
    } finally {
      await store.close();
    }
  });
});
