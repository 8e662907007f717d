import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gitBlobSha1, lfsPointer, sha256 } from '@modelhub/core';

import { startRegistry, type RunningRegistry } from '../src/index.ts';
import { headOf, lfsBatch, postCommit } from './helpers.ts';

describe('Hub protocol details (hub-protocol.md §1–§9, §13)', () => {
  let server: RunningRegistry;
  let dir: string;
  let token: string;
  let url: string;
  const repo = 'pat/proto';
  const weights = Buffer.from(Array.from({ length: 5000 }, (_, i) => i % 256));
  let commitSha = '';

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-proto-'));
    server = await startRegistry({ dataDir: join(dir, 'data'), port: 0 });
    url = server.url;
    token = await server.registry.access.createToken('pat', 'write');
    const create = await fetch(`${url}/api/repos/create`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      // Python ≤ 1.0 shape: organization may be null, `private` instead of `visibility`.
      body: JSON.stringify({ name: 'proto', organization: null, private: false }),
    });
    expect(await create.json()).toEqual({ url: `${url}/pat/proto`, id: 'pat/proto', name: 'pat/proto' });
    const oid = sha256(weights);
    const batch = await lfsBatch(url, repo, token, [{ oid, size: weights.byteLength }]);
    const upload = batch.objects[0]?.actions?.upload.href ?? '';
    expect((await fetch(upload, { method: 'PUT', body: weights })).status).toBe(200);
    const res = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'add files', description: '' } },
      {
        key: 'file',
        value: {
          path: 'config.json',
          content: Buffer.from('{"x":1}').toString('base64'),
          encoding: 'base64',
        },
      },
      { key: 'file', value: { path: 'empty.txt', content: '', encoding: 'base64' } },
      {
        key: 'file',
        value: { path: 'sub dir/deep/a#b.txt', content: Buffer.from('deep').toString('base64') },
      },
      { key: 'lfsFile', value: { path: 'model.onnx', algo: 'sha256', oid, size: weights.byteLength } },
    ]);
    const body = (await res.json()) as { commitOid: string; commitUrl: string; success: boolean };
    commitSha = body.commitOid;
    expect(body.commitUrl).toBe(`${url}/pat/proto/commit/${commitSha}`);
    expect(body.success).toBe(true);
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('HEAD gives the real size, ETag, X-Linked-* and X-Repo-Commit (§3.3, §3.4)', async () => {
    const lfs = await fetch(`${url}/${repo}/resolve/main/model.onnx`, { method: 'HEAD' });
    expect(lfs.status).toBe(200);
    expect(lfs.headers.get('content-length')).toBe(String(weights.byteLength));
    expect(lfs.headers.get('x-linked-size')).toBe(String(weights.byteLength));
    expect(lfs.headers.get('etag')).toBe(`"${sha256(weights)}"`);
    expect(lfs.headers.get('x-linked-etag')).toBe(`"${sha256(weights)}"`);
    expect(lfs.headers.get('x-repo-commit')).toBe(commitSha);
    expect(lfs.headers.get('content-encoding')).toBeNull();
    const regular = await fetch(`${url}/${repo}/resolve/main/config.json`, { method: 'HEAD' });
    expect(regular.headers.get('etag')).toBe(`"${gitBlobSha1(Buffer.from('{"x":1}'))}"`);
    expect(regular.headers.get('x-linked-etag')).toBeNull();
    expect(regular.headers.get('content-length')).toBe('7');
  });

  it('honours Range with 206 + Content-Range, including bytes=0-0, suffixes and open ends', async () => {
    const probe = await fetch(`${url}/${repo}/resolve/main/model.onnx`, { headers: { range: 'bytes=0-0' } });
    expect(probe.status).toBe(206);
    expect(probe.headers.get('content-range')).toBe(`bytes 0-0/${weights.byteLength}`);
    expect(Buffer.from(await probe.arrayBuffer())).toEqual(weights.subarray(0, 1));
    const middle = await fetch(`${url}/${repo}/resolve/main/model.onnx`, {
      headers: { range: 'bytes=100-199' },
    });
    expect(Buffer.from(await middle.arrayBuffer())).toEqual(weights.subarray(100, 200));
    const tail = await fetch(`${url}/${repo}/resolve/main/model.onnx`, { headers: { range: 'bytes=-10' } });
    expect(tail.headers.get('content-range')).toBe(`bytes 4990-4999/5000`);
    const open = await fetch(`${url}/${repo}/resolve/main/model.onnx`, { headers: { range: 'bytes=4000-' } });
    expect((await open.arrayBuffer()).byteLength).toBe(1000);
    const beyond = await fetch(`${url}/${repo}/resolve/main/model.onnx`, {
      headers: { range: 'bytes=9000-' },
    });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe('bytes */5000');
  });

  it('answers a range on an empty file with 200 and Content-Range: bytes */0', async () => {
    const res = await fetch(`${url}/${repo}/resolve/main/empty.txt`, { headers: { range: 'bytes=0-0' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-range')).toBe('bytes */0');
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  it('serves the LFS pointer on /raw/ and encoded paths on /resolve/', async () => {
    const raw = await fetch(`${url}/${repo}/raw/main/model.onnx`);
    expect(await raw.text()).toBe(lfsPointer(sha256(weights), weights.byteLength));
    const deep = await fetch(`${url}/${repo}/resolve/main/sub%20dir/deep/a%23b.txt`);
    expect(await deep.text()).toBe('deep');
    const bySha = await fetch(`${url}/${repo}/resolve/${commitSha}/config.json`);
    expect(bySha.headers.get('x-repo-commit')).toBe(commitSha);
  });

  it('signals misses with X-Error-Code (§1.2)', async () => {
    const entry = await fetch(`${url}/${repo}/resolve/main/nope.bin`, { method: 'HEAD' });
    expect([entry.status, entry.headers.get('x-error-code'), entry.headers.get('x-repo-commit')]).toEqual([
      404,
      'EntryNotFound',
      commitSha,
    ]);
    const rev = await fetch(`${url}/${repo}/resolve/nobranch/config.json`);
    expect([rev.status, rev.headers.get('x-error-code')]).toEqual([404, 'RevisionNotFound']);
    const anon = await fetch(`${url}/pat/none/resolve/main/x`);
    expect([anon.status, anon.headers.get('x-error-code')]).toEqual([401, 'RepoNotFound']);
    const authed = await fetch(`${url}/api/models/pat/none`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect([authed.status, authed.headers.get('x-error-code')]).toEqual([404, 'RepoNotFound']);
    expect(authed.headers.get('content-type')).toMatch(/^application\/json/);
    const badToken = await fetch(`${url}/api/whoami-v2`, { headers: { authorization: 'Bearer hf_nope' } });
    expect(badToken.status).toBe(401);
    expect(badToken.headers.get('x-error-message')).toBe('Invalid credentials in Authorization header');
  });

  it('answers paths-info in JSON and form-encoded, with lastCommit (§6.2)', async () => {
    const json = await fetch(`${url}/api/models/${repo}/paths-info/main`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ paths: ['model.onnx', 'missing'], expand: true }),
    });
    const entries = (await json.json()) as {
      path: string;
      oid: string;
      lfs?: { oid: string; pointerSize: number };
      lastCommit?: { id: string };
    }[];
    expect(entries).toHaveLength(1);
    expect(entries[0]?.oid).toBe(gitBlobSha1(Buffer.from(lfsPointer(sha256(weights), weights.byteLength))));
    expect(entries[0]?.lfs?.oid).toBe(sha256(weights));
    expect(entries[0]?.lfs?.pointerSize).toBe(
      Buffer.byteLength(lfsPointer(sha256(weights), weights.byteLength)),
    );
    expect(entries[0]?.lastCommit?.id).toBe(commitSha);
    const form = await fetch(`${url}/api/models/${repo}/paths-info/${commitSha}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'paths=config.json&paths=sub+dir&expand=false',
    });
    expect(((await form.json()) as { path: string; type: string }[]).map((e) => [e.path, e.type])).toEqual([
      ['config.json', 'file'],
      ['sub dir', 'directory'],
    ]);
  });

  it('lists trees per directory, with %2F-encoded sub-paths and paginated Links (§6.1)', async () => {
    const top = (await (await fetch(`${url}/api/models/${repo}/tree/main`)).json()) as {
      path: string;
      type: string;
    }[];
    expect(top.map((e) => e.path)).toEqual([
      '.gitattributes',
      'config.json',
      'empty.txt',
      'model.onnx',
      'sub dir',
    ]);
    const sub = (await (await fetch(`${url}/api/models/${repo}/tree/main/sub%20dir%2Fdeep`)).json()) as {
      path: string;
    }[];
    expect(sub.map((e) => e.path)).toEqual(['sub dir/deep/a#b.txt']);
    const missing = await fetch(`${url}/api/models/${repo}/tree/main/nothing`);
    expect(missing.headers.get('x-error-code')).toBe('EntryNotFound');
    const page = await fetch(`${url}/api/models/${repo}/tree/main?recursive=true&limit=3`);
    const link = page.headers.get('link') ?? '';
    expect(link).toMatch(
      /^<http:\/\/127\.0\.0\.1:\d+\/api\/models\/pat\/proto\/tree\/main\?recursive=true&limit=3&cursor=[^>]+>; rel="next"$/,
    );
    let count = ((await page.json()) as unknown[]).length;
    let next = /<([^>]+)>/.exec(link)?.[1];
    while (next !== undefined) {
      const more = await fetch(next);
      count += ((await more.json()) as unknown[]).length;
      next = /<([^>]+)>/.exec(more.headers.get('link') ?? '')?.[1];
    }
    expect(count).toBe(7);
  });

  it('answers preupload with uploadMode, shouldIgnore and the remote oid (§9.1)', async () => {
    const res = await fetch(`${url}/api/models/${repo}/preupload/main`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        files: [
          { path: 'config.json', size: 7, sample: Buffer.from('{"x":1}').toString('base64') },
          { path: 'notes.txt', size: 5, sample: Buffer.from('hello').toString('base64') },
          { path: 'blob.dat', size: 3, sample: Buffer.from([0, 1, 2]).toString('base64') },
          { path: 'huge.txt', size: 50 * 1024 * 1024, sample: Buffer.from('text').toString('base64') },
          { path: 'w.safetensors', size: 3, sample: Buffer.from('abc').toString('base64') },
        ],
      }),
    });
    expect(((await res.json()) as { files: unknown[] }).files).toEqual([
      {
        path: 'config.json',
        uploadMode: 'regular',
        shouldIgnore: false,
        oid: gitBlobSha1(Buffer.from('{"x":1}')),
      },
      { path: 'notes.txt', uploadMode: 'regular', shouldIgnore: false, oid: null },
      { path: 'blob.dat', uploadMode: 'lfs', shouldIgnore: false, oid: null },
      { path: 'huge.txt', uploadMode: 'lfs', shouldIgnore: false, oid: null },
      { path: 'w.safetensors', uploadMode: 'lfs', shouldIgnore: false, oid: null },
    ]);
  });

  it('answers validate-yaml with JSON, and accepts Python verify calls (§9.2, §9.4)', async () => {
    const res = await fetch(`${url}/api/validate-yaml`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ content: '---\nlicense: mit\n---\n# x', repoType: 'model' }),
    });
    expect(await res.json()).toEqual({ errors: [], warnings: [] });
    const data = Buffer.from('verify me');
    const batch = await lfsBatch(url, repo, token, [{ oid: sha256(data), size: data.byteLength }]);
    const actions = batch.objects[0]?.actions;
    await fetch(actions?.upload.href ?? '', { method: 'PUT', body: data });
    const verify = await fetch(actions?.verify?.href ?? '', {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ oid: sha256(data), size: data.byteLength }),
    });
    expect(verify.status).toBe(200);
    const again = await lfsBatch(url, repo, token, [{ oid: sha256(data), size: data.byteLength }]);
    expect(again.objects[0]?.actions).toBeUndefined();
  });

  it('returns only the expanded fields plus _id and id (§4), and accepts expand[]', async () => {
    const res = await fetch(`${url}/api/models/${repo}/revision/HEAD?expand=sha&expand=downloads`);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['_id', 'downloads', 'id', 'sha']);
    expect(body['sha']).toBe(await headOf(url, repo));
    const bracket = (await (await fetch(`${url}/api/models/${repo}?expand[]=likes`)).json()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(bracket).sort()).toEqual(['_id', 'id', 'likes']);
    const blobs = (await (await fetch(`${url}/api/models/${repo}?blobs=true`)).json()) as {
      siblings: { rfilename: string; lfs?: { sha256: string } }[];
    };
    expect(blobs.siblings.find((s) => s.rfilename === 'model.onnx')?.lfs?.sha256).toBe(sha256(weights));
  });

  it('counts full downloads, not probes or HEADs', async () => {
    const before = (
      (await (await fetch(`${url}/api/models/${repo}?expand=downloads`)).json()) as { downloads: number }
    ).downloads;
    await fetch(`${url}/${repo}/resolve/main/model.onnx`, { method: 'HEAD' });
    await (
      await fetch(`${url}/${repo}/resolve/main/model.onnx`, { headers: { range: 'bytes=0-0' } })
    ).arrayBuffer();
    await (await fetch(`${url}/${repo}/resolve/main/model.onnx`)).arrayBuffer();
    const after = (
      (await (await fetch(`${url}/api/models/${repo}?expand=downloads`)).json()) as { downloads: number }
    ).downloads;
    expect(after).toBe(before + 1);
  });

  it('refuses create_pr commits instead of committing to the branch, and lists refs', async () => {
    const before = await headOf(url, repo);
    const pr = await fetch(`${url}/api/models/${repo}/commit/main?create_pr=1`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
      body: '{"key":"header","value":{"summary":"pr"}}\n{"key":"file","value":{"path":"p.txt","content":"eA=="}}',
    });
    expect(pr.status).toBe(400);
    expect(await headOf(url, repo)).toBe(before);
    const refs = (await (await fetch(`${url}/api/models/${repo}/refs`)).json()) as {
      branches: { name: string; targetCommit: string }[];
    };
    expect(refs.branches).toEqual([{ name: 'main', ref: 'refs/heads/main', targetCommit: before }]);
  });

  it('exposes the headers browsers need and answers preflights', async () => {
    const res = await fetch(`${url}/${repo}/resolve/main/config.json`);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-expose-headers')).toContain('X-Repo-Commit');
    const preflight = await fetch(`${url}/${repo}/resolve/main/config.json`, { method: 'OPTIONS' });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toContain('Range');
  });

  it('adds .gitattributes rules for LFS files no rule covers', async () => {
    const data = Buffer.from([0, 1, 2, 3]);
    const oid = sha256(data);
    const batch = await lfsBatch(url, repo, token, [{ oid, size: data.byteLength }]);
    await fetch(batch.objects[0]?.actions?.upload.href ?? '', { method: 'PUT', body: data });
    const res = await postCommit(url, repo, token, [
      { key: 'header', value: { summary: 'odd extension' } },
      { key: 'lfsFile', value: { path: 'data/raw blob.dat', algo: 'sha256', oid, size: data.byteLength } },
    ]);
    expect(res.status).toBe(200);
    const attributes = await (await fetch(`${url}/${repo}/resolve/main/.gitattributes`)).text();
    expect(attributes.endsWith('data/raw[[:space:]]blob.dat filter=lfs diff=lfs merge=lfs -text\n')).toBe(
      true,
    );
    expect(attributes).toContain('*.onnx filter=lfs');
  });
});
