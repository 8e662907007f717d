import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';

import { ModelhubError, isModelhubError } from '@modelhub/core';
import type { Commit, PreparedCommit, MetadataStore, RepoQuery, TreeFile } from '@modelhub/registry';

import type { ItLike } from './feature-extractor-suite.ts';

function hex(bytes: number): string {
  return randomBytes(bytes).toString('hex');
}

function commitOf(repoId: number, parent: string | null, title = 'c'): Commit {
  return {
    sha: hex(20),
    repoId,
    parent,
    title,
    description: '',
    author: 'ann',
    createdAt: new Date().toISOString(),
    treeSha: hex(20),
    cardData: null,
  };
}

function fileOf(path: string, sha256 = hex(32), size = 3, lfs = false): Omit<TreeFile, 'lastCommit'> {
  return { path, size, sha256, gitOid: hex(20), lfs };
}

const noDiscovery = { libraryName: null, pipelineTag: null, tags: [] };

/** The first ten public model repos by id: what the listRepos checks vary one field of. */
const firstModels: RepoQuery = {
  type: 'model',
  tags: [],
  sort: 'id',
  descending: false,
  offset: 0,
  limit: 10,
  privateNamespaces: [],
};

async function rejectsWith(promise: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(promise, (error: unknown) => isModelhubError(error) && error.code === code);
}

/** A draft on `head` adding `added` files (their blobs listed as new). */
function draftOn(
  head: Commit,
  files: readonly TreeFile[],
  added: Omit<TreeFile, 'lastCommit'>[],
  title = 'c',
): PreparedCommit {
  const commit = commitOf(head.repoId, head.sha, title);
  const byPath = new Map(files.map((f) => [f.path, f]));
  for (const file of added) {
    byPath.set(file.path, { ...file, lastCommit: commit.sha });
  }
  return {
    commit,
    files: [...byPath.values()].sort((a, b) => (a.path < b.path ? -1 : 1)),
    discovery: noDiscovery,
    blobs: added.map((f) => f.sha256),
  };
}

/**
 * The behaviour every MetadataStore (SQLite, PostgreSQL) must show, keyv-style: one suite, run
 * against each backend. `open` returns a fresh, empty store; the suite closes it.
 */
export function metadataStoreConformance(it: ItLike, open: () => Promise<MetadataStore>): void {
  const withStore = (name: string, body: (store: MetadataStore) => Promise<void>): void => {
    it(name, async () => {
      const store = await open();
      try {
        await body(store);
      } finally {
        await store.close();
      }
    });
  };

  const newRepo = async (store: MetadataStore, name = 'r', isPrivate = false, namespace = 'ann') => {
    const gitattributes = fileOf('.gitattributes');
    assert.equal(await store.recordBlob(gitattributes.sha256, gitattributes.size), true);
    return store.createRepo({ type: 'model', namespace, name, private: isPrivate }, (repoId) => {
      const commit = commitOf(repoId, null, 'initial commit');
      return { commit, files: [{ ...gitattributes, lastCommit: commit.sha }] };
    });
  };

  withStore('accounts, organisations and tokens', async (store) => {
    const ann = await store.ensureAccount('ann', 'user');
    assert.equal(ann.isAdmin, false);
    assert.equal(
      (await store.ensureAccount('ann', 'org')).type,
      'user',
      'an existing account keeps its type',
    );
    assert.equal((await store.ensureAccount('ann', 'user', { admin: true })).isAdmin, true);
    await store.addOrgMember('zeta', 'ann');
    await store.addOrgMember('alpha', 'ann');
    assert.deepEqual(await store.orgsOf('ann'), ['alpha', 'zeta']);
    assert.equal((await store.getAccount('zeta'))?.type, 'org');
    assert.equal(await store.getAccount('nobody'), undefined);
    const token = await store.insertToken('ann', 'write', 'hash-1', 'laptop');
    assert.equal(token.role, 'write');
    const found = await store.findToken('hash-1');
    assert.equal(found?.account.name, 'ann');
    assert.equal(found?.token.displayName, 'laptop');
    assert.equal(await store.findToken('hash-2'), undefined);
  });

  withStore(
    'repos: create with a first commit on main, refuse duplicates, delete everything',
    async (store) => {
      const repo = await newRepo(store);
      assert.equal(repo.private, false);
      const main = await store.getRef(repo.id, 'branch', 'main');
      assert.ok(main !== undefined);
      const files = await store.commitFiles(repo.id, main.commit);
      assert.deepEqual(
        files.map((f) => f.path),
        ['.gitattributes'],
      );
      assert.equal((await store.commitFile(repo.id, main.commit, '.gitattributes'))?.lastCommit, main.commit);
      await rejectsWith(newRepo(store), 'CONFLICT');
      await store.setPrivate(repo.id, true);
      assert.equal((await store.getRepo('model', 'ann', 'r'))?.private, true);
      await store.countDownload(repo.id, 3);
      await store.countDownload(repo.id);
      assert.equal((await store.getRepo('model', 'ann', 'r'))?.downloads, 4);
      await store.deleteRepo(repo.id);
      assert.equal(await store.getRepo('model', 'ann', 'r'), undefined);
      assert.equal(await store.getCommit(repo.id, main.commit), undefined);
    },
  );

  withStore(
    'moveRepo keeps the history, refs, objects and aliases, and frees the old name',
    async (store) => {
      const repo = await newRepo(store, 'r', true);
      const main = await store.getRef(repo.id, 'branch', 'main');
      assert.ok(main !== undefined);
      await store.setRef(repo.id, { kind: 'tag', name: 'v1', commit: main.commit });
      await store.linkObject(repo.id, 'a'.repeat(64));
      await store.setAlias({ name: 'short', repoType: 'model', repo: 'ann/r', revision: null });
      await newRepo(store, 'taken');
      await store.createRepo(
        { type: 'dataset', namespace: 'bob', name: 'renamed', private: false },
        (repoId) => ({
          commit: commitOf(repoId, null, 'initial commit'),
          files: [],
        }),
      );
      await rejectsWith(store.moveRepo(repo.id, { namespace: 'ann', name: 'taken' }), 'CONFLICT');
      // A dataset of the same name does not block a model.
      const moved = await store.moveRepo(repo.id, { namespace: 'bob', name: 'renamed' });
      assert.deepEqual(
        [moved.id, moved.type, moved.namespace, moved.name, moved.private],
        [repo.id, 'model', 'bob', 'renamed', true],
      );
      assert.equal(await store.getRepo('model', 'ann', 'r'), undefined);
      assert.equal((await store.getRepo('model', 'bob', 'renamed'))?.id, repo.id);
      assert.equal((await store.getCommit(repo.id, main.commit))?.title, 'initial commit');
      assert.equal((await store.getRef(repo.id, 'tag', 'v1'))?.commit, main.commit);
      assert.equal(await store.hasObject(repo.id, 'a'.repeat(64)), true);
      assert.equal((await store.getAlias('short'))?.repo, 'bob/renamed');
      const listed = await store.listRepos({ ...firstModels, privateNamespaces: '*' });
      assert.deepEqual(
        listed.repos.map((r) => `${r.namespace}/${r.name}`),
        ['ann/taken', 'bob/renamed'],
      );
      assert.notEqual((await newRepo(store)).id, repo.id, 'the old name can be created again');
      await rejectsWith(store.moveRepo(9_999_999, { namespace: 'x', name: 'y' }), 'REPO_NOT_FOUND');
    },
  );

  withStore('listRepos: visibility, search, author, tags, sort and pages', async (store) => {
    const names = ['delta', 'Alpha', 'charlie', 'bravo'];
    for (const [i, name] of names.entries()) {
      const repo = await newRepo(store, name, i === 3, i % 2 === 0 ? 'ann' : 'bob');
      const head = await store.getRef(repo.id, 'branch', 'main');
      assert.ok(head !== undefined);
      await store.commitToBranch(repo.id, 'main', (commit, files) =>
        Promise.resolve({
          ...draftOn(commit, files, []),
          discovery: {
            libraryName: 'onnx',
            pipelineTag: i < 2 ? 'image-classification' : null,
            tags: i === 0 ? ['onnx', 'vision'] : ['onnx'],
          },
        }),
      );
      await store.countDownload(repo.id, 10 * i);
    }
    const ids = async (query: Partial<RepoQuery>) =>
      (await store.listRepos({ ...firstModels, ...query })).repos.map((r) => r.name);
    // Ordered by full id, byte-wise: ann/charlie, ann/delta, bob/Alpha, bob/bravo.
    assert.deepEqual(await ids({}), ['charlie', 'delta', 'Alpha'], 'private repos hidden');
    assert.deepEqual(await ids({ privateNamespaces: ['bob'] }), ['charlie', 'delta', 'Alpha', 'bravo']);
    assert.deepEqual(await ids({ privateNamespaces: '*', search: 'ALP' }), ['Alpha']);
    assert.deepEqual(await ids({ author: 'bob', privateNamespaces: '*' }), ['Alpha', 'bravo']);
    assert.deepEqual(await ids({ tags: ['vision', 'onnx'] }), ['delta']);
    assert.deepEqual(await ids({ pipelineTag: 'image-classification' }), ['delta', 'Alpha']);
    assert.deepEqual(await ids({ sort: 'downloads', descending: true, privateNamespaces: '*' }), [
      'bravo',
      'charlie',
      'Alpha',
      'delta',
    ]);
    const page = await store.listRepos({ ...firstModels, privateNamespaces: '*', limit: 3 });
    assert.equal(page.more, true);
    const rest = await store.listRepos({ ...firstModels, privateNamespaces: '*', limit: 3, offset: 3 });
    assert.deepEqual([rest.more, rest.repos.map((r) => r.name)], [false, ['bravo']]);
    // excludeTags leaves out repos carrying any of them; countRepos counts what listRepos would list.
    assert.deepEqual(await ids({ excludeTags: ['vision'] }), ['charlie', 'Alpha']);
    const filter = { type: 'model' as const, tags: [], privateNamespaces: [] };
    assert.equal(await store.countRepos(filter), 3);
    assert.equal(await store.countRepos({ ...filter, privateNamespaces: '*' }), 4);
    assert.equal(await store.countRepos({ ...filter, excludeTags: ['vision'] }), 2);
    assert.equal(
      await store.countRepos({ ...filter, search: 'ALP', pipelineTag: 'image-classification' }),
      1,
    );
  });

  withStore('tokens: list, last use, delete; web sessions end with their token', async (store) => {
    await store.ensureAccount('ann', 'user');
    await store.ensureAccount('bob', 'user');
    const first = await store.insertToken('ann', 'write', 'hash-a', 'laptop');
    const second = await store.insertToken('ann', 'read', 'hash-b', 'ci');
    await store.insertToken('bob', 'write', 'hash-c', 'bob');
    assert.deepEqual(
      (await store.listTokens('ann')).map((t) => [t.displayName, t.lastUsedAt ?? null]),
      [
        ['ci', null],
        ['laptop', null],
      ],
    );
    const used = '2026-01-02T03:04:05.000Z';
    await store.touchToken(first.id, used);
    assert.equal((await store.findToken('hash-a'))?.token.lastUsedAt, used);

    const now = new Date('2026-01-02T00:00:00.000Z');
    const later = (ms: number) => new Date(now.getTime() + ms).toISOString();
    await store.createWebSession({
      idHash: 's1',
      tokenId: first.id,
      createdAt: now.toISOString(),
      expiresAt: later(3600_000),
    });
    await store.createWebSession({
      idHash: 's2',
      tokenId: second.id,
      createdAt: now.toISOString(),
      expiresAt: later(3600_000),
    });
    const found = await store.findWebSession('s1', later(1000));
    assert.equal(found?.account.name, 'ann');
    assert.equal(found?.token.id, first.id);
    assert.equal(found?.session.expiresAt, later(3600_000));
    assert.equal(await store.findWebSession('s1', later(3600_000)), undefined, 'expired');
    assert.equal(await store.findWebSession('nope', later(1000)), undefined);
    await store.deleteWebSession('s1');
    assert.equal(await store.findWebSession('s1', later(1000)), undefined);

    assert.equal(await store.deleteToken('bob', second.id), false, "only the owner's tokens");
    assert.equal(await store.deleteToken('ann', second.id), true);
    assert.equal(await store.findToken('hash-b'), undefined);
    assert.equal(
      await store.findWebSession('s2', later(1000)),
      undefined,
      'the session ended with its token',
    );
    assert.deepEqual(
      (await store.listTokens('ann')).map((t) => t.displayName),
      ['laptop'],
    );
  });

  withStore('refs: list, delete, and short commit shas', async (store) => {
    const repo = await newRepo(store);
    const main = await store.getRef(repo.id, 'branch', 'main');
    assert.ok(main !== undefined);
    await store.setRef(repo.id, { kind: 'tag', name: 'v1', commit: main.commit });
    await store.setRef(repo.id, { kind: 'branch', name: 'dev', commit: main.commit });
    await store.setRef(repo.id, { kind: 'branch', name: 'dev', commit: main.commit });
    assert.deepEqual(
      (await store.listRefs(repo.id)).map((r) => `${r.kind}:${r.name}`),
      ['branch:dev', 'branch:main', 'tag:v1'],
    );
    // A branch and a tag may share a name: deleting one leaves the other.
    await store.setRef(repo.id, { kind: 'tag', name: 'dev', commit: main.commit });
    assert.equal(await store.deleteRef(repo.id, 'branch', 'dev'), true);
    assert.equal(await store.deleteRef(repo.id, 'branch', 'dev'), false);
    assert.equal(await store.getRef(repo.id, 'branch', 'dev'), undefined);
    assert.equal(
      (await store.getRef(repo.id, 'tag', 'dev'))?.commit,
      main.commit,
      'the tag of that name stays',
    );
    assert.equal(await store.deleteRef(repo.id, 'tag', 'v1'), true);
    assert.equal(await store.deleteRef(repo.id, 'tag', 'v1'), false);
    assert.equal(await store.getRef(repo.id, 'tag', 'v1'), undefined);
    assert.deepEqual(
      (await store.findCommits(repo.id, main.commit.slice(0, 7))).map((c) => c.sha),
      [main.commit],
    );
    assert.deepEqual(
      await store.findCommits(repo.id, main.commit.slice(0, 7) === '0000000' ? '1111111' : '0000000'),
      [],
    );
  });

  withStore(
    'commitToBranch builds on the head, moves the branch and touches nothing when it fails',
    async (store) => {
      const repo = await newRepo(store);
      const weights = fileOf('model.onnx', hex(32), 1000, true);
      assert.equal(await store.recordBlob(weights.sha256, weights.size), true);
      const first = await store.commitToBranch(repo.id, 'main', (head, files) => {
        assert.equal(files.length, 1);
        return Promise.resolve({
          ...draftOn(head, files, [weights]),
          discovery: { libraryName: 'onnx', pipelineTag: null, tags: ['x'] },
        });
      });
      assert.equal((await store.getRef(repo.id, 'branch', 'main'))?.commit, first.sha);
      assert.deepEqual((await store.getRepo('model', 'ann', 'r'))?.discovery.tags, ['x']);
      assert.equal(await store.hasObject(repo.id, weights.sha256), true);
      assert.equal((await store.commitFile(repo.id, first.sha, 'model.onnx'))?.size, 1000);

      const unverified = fileOf('other.bin');
      await rejectsWith(
        store.commitToBranch(repo.id, 'main', (head, files) =>
          Promise.resolve(draftOn(head, files, [unverified])),
        ),
        'OBJECT_NOT_VERIFIED',
      );
      await rejectsWith(
        store.commitToBranch(repo.id, 'main', () =>
          Promise.reject(new ModelhubError('STALE_PARENT_COMMIT', 'A commit has happened since.')),
        ),
        'STALE_PARENT_COMMIT',
      );
      await rejectsWith(
        store.commitToBranch(repo.id, 'nope', (head, files) => Promise.resolve(draftOn(head, files, []))),
        'REVISION_NOT_FOUND',
      );
      assert.equal(
        (await store.getRef(repo.id, 'branch', 'main'))?.commit,
        first.sha,
        'failed commits move nothing',
      );
      assert.equal(await store.hasObject(repo.id, unverified.sha256), false);
    },
  );

  withStore(
    'concurrent commits to one branch: all land in one line; with a parent check, one wins',
    async (store) => {
      const repo = await newRepo(store);
      const start = (await store.getRef(repo.id, 'branch', 'main'))?.commit ?? '';
      const writers = 16;
      const landed = await Promise.all(
        Array.from({ length: writers }, (_, i) =>
          store.commitToBranch(repo.id, 'main', (head, files) =>
            Promise.resolve(draftOn(head, files, [], `w${i}`)),
          ),
        ),
      );
      const history: string[] = [];
      for (
        let sha: string | null = (await store.getRef(repo.id, 'branch', 'main'))?.commit ?? null;
        sha !== null && sha !== start;
      ) {
        history.push(sha);
        sha = (await store.getCommit(repo.id, sha))?.parent ?? null;
      }
      assert.equal(history.length, writers, 'every commit is in the history of the branch');
      assert.deepEqual(new Set(history), new Set(landed.map((c) => c.sha)));

      const parent = (await store.getRef(repo.id, 'branch', 'main'))?.commit ?? '';
      const results = await Promise.allSettled(
        Array.from({ length: writers }, () =>
          store.commitToBranch(repo.id, 'main', (head, files) => {
            if (head.sha !== parent) {
              return Promise.reject(Object.assign(new Error('stale'), { stale: true }));
            }
            return Promise.resolve(draftOn(head, files, []));
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      assert.ok(
        results.every((r) => r.status === 'fulfilled' || (r.reason as { stale?: boolean }).stale === true),
      );
    },
  );

  withStore(
    'blob lifecycle: garbage is claimed only when unreferenced and untouched since the cutoff',
    async (store) => {
      const repo = await newRepo(store);
      const used = fileOf('used.bin');
      const orphan = hex(32);
      const fresh = hex(32);
      assert.equal(await store.recordBlob(used.sha256, 3), true);
      assert.equal(await store.recordBlob(orphan, 7), true);
      await store.commitToBranch(repo.id, 'main', (head, files) =>
        Promise.resolve(draftOn(head, files, [used])),
      );
      const cutoff = new Date(Date.now() + 60_000);
      const beforeFresh = new Date(Date.now() - 1);
      assert.equal(await store.recordBlob(fresh, 1), true);
      // A cutoff before `fresh` was touched keeps it (its grace window); the orphan may go then.
      const early = await store.claimGarbage(beforeFresh, 100);
      assert.ok(!early.some((b) => b.sha256 === fresh || b.sha256 === used.sha256));
      const claimed = [...early, ...(await store.claimGarbage(cutoff, 100))];
      assert.deepEqual(new Set(claimed.map((b) => b.sha256)), new Set([orphan, fresh]));
      assert.ok(claimed.every((b) => b.state === 'deleting'));
      assert.equal((await store.touchBlob(orphan))?.state, 'deleting');
      assert.equal(await store.recordBlob(orphan, 7), false, 'a blob being deleted cannot be re-recorded');
      await rejectsWith(
        store.commitToBranch(repo.id, 'main', (head, files) =>
          Promise.resolve(draftOn(head, files, [fileOf('o.bin', orphan, 7)])),
        ),
        'OBJECT_NOT_VERIFIED',
      );
      assert.equal(
        (await store.touchBlob(used.sha256))?.state,
        'verified',
        'referenced blobs are never claimed',
      );
      await store.forgetBlob(orphan);
      assert.equal(await store.touchBlob(orphan), undefined);
      assert.equal(await store.recordBlob(orphan, 7), true, 'once forgotten it can be uploaded again');
      await store.forgetBlob(used.sha256);
      assert.equal(
        (await store.touchBlob(used.sha256))?.state,
        'verified',
        'forgetBlob only drops claimed blobs',
      );
      assert.deepEqual(await store.claimGarbage(cutoff, 100).then((b) => b.map((x) => x.sha256)), [orphan]);
    },
  );

  withStore('pending uploads and leadership', async (store) => {
    const now = Date.now();
    const upload = (id: string, expiresIn: number) => ({
      id,
      repoId: 7,
      sha256: 'a'.repeat(64),
      size: 10,
      parts: 2,
      chunkSize: 5,
      storeUploadId: id === 'u1' ? 's3-id' : null,
      createdAt: new Date(now + expiresIn).toISOString(),
      expiresAt: new Date(now + expiresIn).toISOString(),
    });
    await store.recordUpload(upload('u1', -1000));
    await store.recordUpload(upload('u2', 60_000));
    assert.deepEqual(await store.getUpload('u1'), upload('u1', -1000));
    assert.deepEqual(
      (await store.pendingUploads(7, 'a'.repeat(64))).map((u) => u.id),
      ['u2', 'u1'],
    );
    assert.deepEqual(
      (await store.expiredUploads(new Date(now), 10)).map((u) => u.id),
      ['u1'],
    );
    await store.deleteUpload('u1');
    assert.equal(await store.getUpload('u1'), undefined);

    const inner = await store.withLeadership('gc', async () => {
      const nested = await store.withLeadership('gc', () => Promise.resolve('second'));
      const other = await store.withLeadership('other', () => Promise.resolve('other'));
      return { nested, other };
    });
    assert.deepEqual(inner, { nested: undefined, other: 'other' });
    assert.equal(await store.withLeadership('gc', () => Promise.resolve('again')), 'again');
  });

  withStore('aliases, object links and settings', async (store) => {
    await store.setAlias({ name: 'resnet', repoType: 'model', repo: 'ann/r', revision: null });
    await store.setAlias({ name: 'resnet', repoType: 'model', repo: 'ann/s', revision: 'v1' });
    assert.deepEqual(await store.getAlias('resnet'), {
      name: 'resnet',
      repoType: 'model',
      repo: 'ann/s',
      revision: 'v1',
    });
    assert.equal(await store.getAlias('none'), undefined);
    const repo = await newRepo(store);
    await store.linkObject(repo.id, 'b'.repeat(64));
    await store.linkObject(repo.id, 'b'.repeat(64));
    assert.equal(await store.hasObject(repo.id, 'b'.repeat(64)), true);
    assert.equal(await store.hasObject(repo.id, 'c'.repeat(64)), false);
    const values = await Promise.all([store.setting('k', () => 'one'), store.setting('k', () => 'two')]);
    assert.equal(values[0], values[1]);
    assert.equal(await store.setting('k', () => 'three'), values[0]);
  });
}
