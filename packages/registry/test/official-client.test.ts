import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import {
  commit,
  createBranch,
  createRepo,
  deleteRepo,
  downloadFile,
  downloadFileToCacheDir,
  listCommits,
  listFiles,
  listModels,
  modelInfo,
  snapshotDownload,
  uploadFiles,
  whoAmI,
  type ListFileEntry,
} from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gitBlobSha1, sha256 } from '@modelhub/core';

import { startRegistry, type RunningRegistry } from '../src/index.ts';
import { lfsBatch } from './helpers.ts';

const card = `---
library_name: onnx
pipeline_tag: image-classification
license: apache-2.0
tags:
  - vision
  - tiny
base_model: modelhub/backbone
---
# A tiny model
`;

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) {
    out.push(item);
  }
  return out;
}

describe('the official @huggingface/hub client against the registry', () => {
  let server: RunningRegistry;
  let dir: string;
  let alice: string;
  let bob: string;
  let hubUrl: string;
  const weights = Buffer.alloc(300_000);
  for (let i = 0; i < weights.length; i++) {
    weights[i] = (i * 31) % 251;
  }

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-official-'));
    server = await startRegistry({
      dataDir: join(dir, 'data'),
      port: 0,
      registry: { multipartThreshold: 200_000, multipartChunkSize: 64 * 1024 },
    });
    hubUrl = server.url;
    alice = await server.registry.access.createToken('alice', 'write');
    bob = await server.registry.access.createToken('bob', 'write');
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('whoAmI names the token owner', async () => {
    const me = await whoAmI({ hubUrl, accessToken: alice });
    expect(me.name).toBe('alice');
    expect(me.type).toBe('user');
  });

  it('creates a repo, commits inline + LFS (multipart) files, and reads them back', async () => {
    const repo = { type: 'model' as const, name: 'alice/tiny' };
    const created = await createRepo({ hubUrl, accessToken: alice, repo });
    expect(created.repoUrl).toBe(`${hubUrl}/alice/tiny`);

    const result = await uploadFiles({
      hubUrl,
      accessToken: alice,
      repo,
      useXet: false,
      files: [
        { path: 'README.md', content: new Blob([card]) },
        { path: 'config.json', content: new Blob(['{"a":1}']) },
        { path: 'weights/model.onnx', content: new Blob([weights]) },
        { path: 'small.bin', content: new Blob([Buffer.from('tiny binary\0')]) },
      ],
    });
    expect(result?.commit.oid).toMatch(/^[0-9a-f]{40}$/);

    const files = await collect(listFiles({ hubUrl, accessToken: alice, repo, recursive: true }));
    const byPath = new Map<string, ListFileEntry>(files.map((f) => [f.path, f]));
    expect([...byPath.keys()].sort()).toEqual(
      ['.gitattributes', 'README.md', 'config.json', 'small.bin', 'weights', 'weights/model.onnx'].sort(),
    );
    expect(byPath.get('weights')?.type).toBe('directory');
    expect(byPath.get('config.json')?.oid).toBe(gitBlobSha1(Buffer.from('{"a":1}')));
    expect(byPath.get('weights/model.onnx')?.lfs?.oid).toBe(sha256(weights));
    expect(byPath.get('weights/model.onnx')?.size).toBe(weights.length);

    const info = await modelInfo({
      hubUrl,
      accessToken: alice,
      name: 'alice/tiny',
      additionalFields: ['sha', 'filePaths', 'cardData', 'library_name', 'tags'],
    });
    expect(info.sha).toBe(result?.commit.oid);
    expect(info.library_name).toBe('onnx');
    expect(info.tags).toEqual(expect.arrayContaining(['vision', 'onnx', 'base_model:modelhub/backbone']));
    expect(info.cardData).toMatchObject({ license: 'apache-2.0', pipeline_tag: 'image-classification' });
    expect([...info.filePaths].sort()).toEqual(
      ['.gitattributes', 'README.md', 'config.json', 'small.bin', 'weights/model.onnx'].sort(),
    );

    // The 300 kB object went through the multipart transfer (threshold 200 kB, 64 KiB parts).
    const plan = await lfsBatch(hubUrl, 'alice/tiny', alice, [{ oid: 'e'.repeat(64), size: weights.length }]);
    const header = plan.objects[0]?.actions?.upload.header ?? {};
    expect(header['chunk_size']).toBe(String(64 * 1024));
    expect(Object.keys(header).filter((k) => /^\d+$/.test(k))).toHaveLength(
      Math.ceil(weights.length / (64 * 1024)),
    );

    const blob = await downloadFile({ hubUrl, accessToken: alice, repo, path: 'weights/model.onnx' });
    expect(Buffer.from(await (blob as Blob).arrayBuffer()).equals(weights)).toBe(true);
    const missing = await downloadFile({ hubUrl, accessToken: alice, repo, path: 'nope.txt' });
    expect(missing).toBeNull();

    const cacheDir = join(dir, 'cache');
    const cached = await downloadFileToCacheDir({
      hubUrl,
      accessToken: alice,
      repo,
      path: 'config.json',
      cacheDir,
    });
    expect(await readFile(cached, 'utf8')).toBe('{"a":1}');

    const snapshot = await snapshotDownload({ hubUrl, accessToken: alice, repo, cacheDir });
    expect(snapshot).toContain(result?.commit.oid);
    expect((await readFile(join(snapshot, 'weights/model.onnx'))).equals(weights)).toBe(true);
    expect((await readdir(snapshot)).sort()).toEqual([
      '.gitattributes',
      'README.md',
      'config.json',
      'small.bin',
      'weights',
    ]);
  });

  it('commits additions and deletions with commit()', async () => {
    const repo = { type: 'model' as const, name: 'alice/ops' };
    await createRepo({ hubUrl, accessToken: alice, repo });
    await commit({
      hubUrl,
      accessToken: alice,
      repo,
      title: 'two files',
      useXet: false,
      operations: [
        { operation: 'addOrUpdate', path: 'keep.txt', content: new Blob(['keep']) },
        { operation: 'addOrUpdate', path: 'drop/me.txt', content: new Blob(['drop']) },
      ],
    });
    const second = await commit({
      hubUrl,
      accessToken: alice,
      repo,
      title: 'drop one',
      useXet: false,
      operations: [{ operation: 'delete', path: 'drop/me.txt' }],
    });
    expect(second?.commit.url).toBe(`${hubUrl}/alice/ops/commit/${second?.commit.oid ?? ''}`);
    const history = await collect(listCommits({ hubUrl, repo, batchSize: 2 }));
    expect(history.map((c) => c.title)).toEqual(['drop one', 'two files', 'initial commit']);
    expect(history[0]?.oid).toBe(second?.commit.oid);
    expect(history[0]?.authors).toEqual([{ username: 'alice', avatarUrl: undefined }]);
    const paths = (await collect(listFiles({ hubUrl, repo, recursive: true }))).map((f) => f.path);
    expect(paths.sort()).toEqual(['.gitattributes', 'keep.txt']);
  });

  it('keeps private repos invisible to others, in listings too', async () => {
    const repo = { type: 'model' as const, name: 'alice/secret' };
    await createRepo({ hubUrl, accessToken: alice, repo, private: true });
    await expect(modelInfo({ hubUrl, accessToken: bob, name: 'alice/secret' })).rejects.toMatchObject({
      statusCode: 404,
    });
    await expect(modelInfo({ hubUrl, name: 'alice/secret' })).rejects.toMatchObject({ statusCode: 401 });
    const seenByBob = await collect(listModels({ hubUrl, accessToken: bob, search: { owner: 'alice' } }));
    expect(seenByBob.map((m) => m.name)).not.toContain('alice/secret');
    const seenByAlice = await collect(listModels({ hubUrl, accessToken: alice, search: { owner: 'alice' } }));
    expect(seenByAlice.map((m) => m.name)).toContain('alice/secret');
    await expect(
      commit({
        hubUrl,
        accessToken: bob,
        repo: { type: 'model', name: 'alice/tiny' },
        title: 'vandalism',
        operations: [{ operation: 'addOrUpdate', path: 'x.txt', content: new Blob(['x']) }],
        useXet: false,
      }),
    ).rejects.toMatchObject({ statusCode: 403 });
  });

  it('lists models by tag, with Link pagination', async () => {
    for (const name of ['head-a', 'head-b', 'head-c']) {
      const repo = { type: 'model' as const, name: `bob/${name}` };
      await createRepo({ hubUrl, accessToken: bob, repo });
      await uploadFiles({
        hubUrl,
        accessToken: bob,
        repo,
        useXet: false,
        files: [{ path: 'README.md', content: new Blob([card.replace('tiny', name)]) }],
      });
    }
    const heads = await collect(
      listModels({ hubUrl, search: { tags: ['base_model:modelhub/backbone'], owner: 'bob' }, limit: 10 }),
    );
    expect(heads.map((m) => m.name).sort()).toEqual(['bob/head-a', 'bob/head-b', 'bob/head-c']);
    const found = await collect(listModels({ hubUrl, search: { query: 'head-b' } }));
    expect(found.map((m) => m.name)).toEqual(['bob/head-b']);
    const sorted = (await (await fetch(`${hubUrl}/api/models?author=bob&sort=lastModified`)).json()) as {
      id: string;
    }[];
    expect(sorted[0]?.id).toBe('bob/head-c');
    const byId = (await (await fetch(`${hubUrl}/api/models?author=bob&sort=id&direction=1`)).json()) as {
      id: string;
    }[];
    expect(byId.map((m) => m.id)).toEqual(['bob/head-a', 'bob/head-b', 'bob/head-c']);
    const res = await fetch(`${hubUrl}/api/models?author=bob&limit=2`);
    const link = res.headers.get('link') ?? '';
    expect(link).toMatch(/^<http:\/\/127\.0\.0\.1:\d+\/api\/models\?.*cursor=.*>; rel="next"$/);
    const page1 = (await res.json()) as { id: string }[];
    const page2 = (await (await fetch(/<([^>]+)>/.exec(link)?.[1] ?? '')).json()) as { id: string }[];
    expect([...page1, ...page2].map((m) => m.id).sort()).toEqual(['bob/head-a', 'bob/head-b', 'bob/head-c']);
  });

  it('reads branches (with slashes), tags and full commit shas', async () => {
    const repo = { type: 'model' as const, name: 'alice/revs' };
    await createRepo({ hubUrl, accessToken: alice, repo });
    const first = await uploadFiles({
      hubUrl,
      accessToken: alice,
      repo,
      useXet: false,
      files: [{ path: 'a.txt', content: new Blob(['v1']) }],
    });
    const v1 = first?.commit.oid ?? '';
    const tag = await fetch(`${hubUrl}/api/models/alice/revs/tag/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tag: 'v1.0' }),
    });
    expect(tag.status).toBe(200);
    await createBranch({ hubUrl, accessToken: alice, repo, branch: 'feature/x' });
    await uploadFiles({
      hubUrl,
      accessToken: alice,
      repo,
      branch: 'feature/x',
      useXet: false,
      files: [{ path: 'a.txt', content: new Blob(['v2']) }],
    });
    const text = async (revision: string): Promise<string | null> => {
      const blob = await downloadFile({ hubUrl, accessToken: alice, repo, path: 'a.txt', revision });
      return blob === null ? null : blob.text();
    };
    expect(await text('main')).toBe('v1');
    expect(await text('v1.0')).toBe('v1');
    expect(await text(v1)).toBe('v1');
    expect(await text('feature/x')).toBe('v2');
    const branchInfo = await modelInfo({
      hubUrl,
      accessToken: alice,
      name: 'alice/revs',
      revision: 'feature/x',
      additionalFields: ['sha'],
    });
    expect(branchInfo.sha).not.toBe(v1);
    const tree = await collect(
      listFiles({ hubUrl, accessToken: alice, repo, revision: 'feature/x', expand: true }),
    );
    expect(tree.find((f) => f.path === 'a.txt')?.lastCommit?.id).toBe(branchInfo.sha);
    await expect(text('no-such-branch')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('deletes a repo', async () => {
    const repo = { type: 'model' as const, name: 'bob/doomed' };
    await createRepo({ hubUrl, accessToken: bob, repo });
    await deleteRepo({ hubUrl, accessToken: bob, repo });
    await expect(modelInfo({ hubUrl, accessToken: bob, name: 'bob/doomed' })).rejects.toMatchObject({
      statusCode: 404,
    });
  });
});
