import { readdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { startRegistry, type RunningRegistry } from '../src/index.ts';
import { headOf, lfsBatch, postCommit } from './helpers.ts';

describe('bad input loses nothing', () => {
  let server: RunningRegistry;
  let dir: string;
  let token: string;
  let url: string;
  const repo = 'mallory/target';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-bad-'));
    server = await startRegistry({
      dataDir: join(dir, 'data'),
      port: 0,
      registry: { maxCommitBodySize: 64 * 1024, maxObjectSize: 1024 * 1024 },
    });
    url = server.url;
    token = await server.registry.access.createToken('mallory', 'write');
    await server.registry.repos.create(await server.registry.access.authenticate(`Bearer ${token}`), {
      type: 'model',
      name: 'target',
      private: false,
    });
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it.each(['../escape.txt', '/etc/passwd', 'a\\b.txt', 'nul\0.txt', 'a/../../b', 'a//b', './x'])(
    'refuses the path %j in a commit and keeps the branch where it was',
    async (path) => {
      const before = await headOf(url, repo);
      const res = await postCommit(url, repo, token, [
        { key: 'header', value: { summary: 'evil' } },
        { key: 'file', value: { path, content: Buffer.from('x').toString('base64'), encoding: 'base64' } },
      ]);
      expect(res.status).toBe(400);
      expect(await headOf(url, repo)).toBe(before);
    },
  );

  it('refuses a traversal path in preupload and in resolve', async () => {
    const pre = await fetch(`${url}/api/models/${repo}/preupload/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ files: [{ path: '../x', size: 1, sample: 'eA==' }] }),
    });
    expect(pre.status).toBe(400);
    const resolve = await fetch(`${url}/${repo}/resolve/main/a%2F..%2F..%2Fmetadata.sqlite`);
    expect(resolve.status).toBe(400);
  });

  it('refuses a commit body over the size limit with 413', async () => {
    const res = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'big' } },
      { key: 'file', value: { path: 'big.txt', content: Buffer.alloc(100 * 1024).toString('base64') } },
    ]);
    expect(res.status).toBe(413);
  });

  it('refuses an LFS object over the size limit in the batch', async () => {
    const batch = await lfsBatch(url, repo, token, [{ oid: 'a'.repeat(64), size: 2 * 1024 * 1024 }]);
    expect(batch.objects[0]).toMatchObject({ error: { code: 413 } });
  });

  it('refuses uploaded bytes that do not match the declared sha256 or size, and keeps nothing', async () => {
    const good = Buffer.from('the real weights');
    const oid = sha256(good);
    const batch = await lfsBatch(url, repo, token, [{ oid, size: good.byteLength }]);
    const href = batch.objects[0]?.actions?.upload.href ?? '';
    const forged = Buffer.from('fake weights!!!!');
    expect(forged.byteLength).toBe(good.byteLength);
    expect((await fetch(href, { method: 'PUT', body: forged })).status).toBe(400);
    expect((await fetch(href, { method: 'PUT', body: Buffer.concat([good, good]) })).status).toBe(413);
    expect((await fetch(href, { method: 'PUT', body: good.subarray(1) })).status).toBe(400);
    expect(await server.registry.blobs.stat(oid)).toBeUndefined();
    expect(await readdir(join(dir, 'data', 'storage', 'tmp'))).toEqual([]);
    const commit = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'use it anyway' } },
      { key: 'lfsFile', value: { path: 'w.bin', algo: 'sha256', oid, size: good.byteLength } },
    ]);
    expect(commit.status).toBe(422);
    expect((await fetch(href, { method: 'PUT', body: good })).status).toBe(200);
    expect(await server.registry.blobs.stat(oid)).toBe(good.byteLength);
  });

  it('refuses a forged or tampered upload URL', async () => {
    const batch = await lfsBatch(url, repo, token, [{ oid: 'b'.repeat(64), size: 3 }]);
    const href = batch.objects[0]?.actions?.upload.href ?? '';
    const tampered = href.replace(/\.([^./]+)$/, '.AAAA$1');
    expect((await fetch(tampered, { method: 'PUT', body: 'abc' })).status).toBe(403);
  });

  it('makes a commit atomic: one missing LFS object and no file of it becomes visible', async () => {
    const before = await headOf(url, repo);
    const res = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'half' } },
      { key: 'file', value: { path: 'good.txt', content: Buffer.from('good').toString('base64') } },
      { key: 'lfsFile', value: { path: 'missing.bin', algo: 'sha256', oid: 'c'.repeat(64), size: 10 } },
    ]);
    expect(res.status).toBe(422);
    expect(await headOf(url, repo)).toBe(before);
    const file = await fetch(`${url}/${repo}/resolve/main/good.txt`);
    expect(file.status).toBe(404);
    expect(file.headers.get('x-error-code')).toBe('EntryNotFound');
  });

  it("answers a stale parentCommit with huggingface.co's 412 and keeps the newer head", async () => {
    const parent = await headOf(url, repo);
    const first = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'first', parentCommit: parent } },
      { key: 'file', value: { path: 'one.txt', content: Buffer.from('1').toString('base64') } },
    ]);
    expect(first.status).toBe(200);
    const newHead = ((await first.json()) as { commitOid: string }).commitOid;
    const stale = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'second', parentCommit: parent } },
      { key: 'file', value: { path: 'two.txt', content: Buffer.from('2').toString('base64') } },
    ]);
    expect(stale.status).toBe(412);
    expect(((await stale.json()) as { error: string }).error).toBe(
      'A commit has happened since. Please refresh and try again.',
    );
    expect(await headOf(url, repo)).toBe(newHead);
  });

  it('refuses malformed NDJSON and unknown operations with 400', async () => {
    const res = await fetch(`${url}/api/models/${repo}/commit/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: '{"key":"header","value":{"summary":"x"}}\n{"key":"rmrf","value":{}}',
    });
    expect(res.status).toBe(400);
    const broken = await fetch(`${url}/api/models/${repo}/commit/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: '{"key":"header"',
    });
    expect(broken.status).toBe(400);
  });

  it.each(['../main', 'a//b', 'HEAD', 'x y', 'c'.repeat(40).replace(/c/g, 'a')])(
    'refuses the branch name %j',
    async (branch) => {
      const res = await fetch(`${url}/api/models/${repo}/branch/${encodeURIComponent(branch)}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(res.status).toBe(400);
    },
  );
});
