import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRegistry, type RunningRegistry } from '../src/index.ts';
import { headOf, postCommit } from './helpers.ts';

// The file-serving hot path keeps immutable things in memory (commits and their file lists, small
// blobs) and counts downloads in batches: none of that may serve stale or wrong answers.
describe('the /resolve/ hot path and its caches', () => {
  let server: RunningRegistry;
  let dir: string;
  let token: string;
  let url: string;
  const repo = 'hot/files';

  const commitText = async (path: string, text: string): Promise<string> => {
    const res = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: `write ${path}` } },
      { key: 'file', value: { path, content: Buffer.from(text).toString('base64'), encoding: 'base64' } },
    ]);
    expect(res.status).toBe(200);
    return headOf(url, repo);
  };
  const create = async (): Promise<void> => {
    const res = await fetch(`${url}/api/repos/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'files', organization: null, private: false }),
    });
    expect(res.status).toBe(200);
  };
  const get = async (revision: string, path: string): Promise<{ status: number; text: string }> => {
    const res = await fetch(`${url}/${repo}/resolve/${revision}/${path}`);
    return { status: res.status, text: await res.text() };
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-hot-'));
    server = await startRegistry({ dataDir: join(dir, 'data'), port: 0 });
    url = server.url;
    token = await server.registry.access.createToken('hot', 'write');
    await create();
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('serves each commit its own bytes, by sha and by branch, as the branch moves', async () => {
    const first = await commitText('a.txt', 'one');
    expect(await get(first, 'a.txt')).toEqual({ status: 200, text: 'one' });
    expect(await get('main', 'a.txt')).toEqual({ status: 200, text: 'one' });
    const second = await commitText('a.txt', 'two');
    expect(await get('main', 'a.txt')).toEqual({ status: 200, text: 'two' });
    expect(await get(second, 'a.txt')).toEqual({ status: 200, text: 'two' });
    expect(await get(first, 'a.txt')).toEqual({ status: 200, text: 'one' });
    expect((await get(first, 'missing.txt')).status).toBe(404);
    // A range of a blob served from memory.
    const res = await fetch(`${url}/${repo}/resolve/${second}/a.txt`, { headers: { range: 'bytes=1-2' } });
    expect(res.status).toBe(206);
    expect(await res.text()).toBe('wo');
  });

  it('forgets the commits of a deleted repo, even when a new repo gets its id', async () => {
    const old = await commitText('b.txt', 'before');
    const del = await fetch(`${url}/api/repos/delete`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'files', organization: null }),
    });
    expect(del.status).toBe(200);
    await create();
    expect((await get(old, 'b.txt')).status).toBe(404);
    const fresh = await commitText('b.txt', 'after');
    expect(await get(fresh, 'b.txt')).toEqual({ status: 200, text: 'after' });
  });

  it('refuses ref names that start with a commit sha (they would shadow /resolve/{sha}/ URLs)', async () => {
    const head = await headOf(url, repo);
    const res = await fetch(`${url}/api/models/${repo}/branch/${head}/x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(res.status).toBe(400);
    const ok = await fetch(`${url}/api/models/${repo}/branch/feature/x`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({}),
    });
    expect(ok.status).toBe(200);
    expect(await get('feature/x', 'b.txt')).toEqual({ status: 200, text: 'after' });
  });

  it('counts every full download of a burst, in batches, before the next request is answered', async () => {
    const downloads = async (): Promise<number> =>
      ((await (await fetch(`${url}/api/models/${repo}?expand=downloads`)).json()) as { downloads: number })
        .downloads;
    const before = await downloads();
    await Promise.all(Array.from({ length: 12 }, async () => (await get('main', 'b.txt')).text));
    expect(await downloads()).toBe(before + 12);
  });
});
