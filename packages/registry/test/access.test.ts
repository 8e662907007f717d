import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { createRepo, listModels, modelInfo, uploadFiles } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { startRegistry, type RunningRegistry } from '../src/index.ts';
import { lfsBatch, postCommit } from './helpers.ts';

describe('accounts, scopes and namespaces', () => {
  let server: RunningRegistry;
  let dir: string;
  let hubUrl: string;
  let owner: string;
  let member: string;
  let outsider: string;
  let reader: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-access-'));
    server = await startRegistry({ dataDir: join(dir, 'data'), port: 0 });
    hubUrl = server.url;
    owner = await server.registry.access.createToken('olga', 'write');
    member = await server.registry.access.createToken('mia', 'write');
    outsider = await server.registry.access.createToken('otto', 'write');
    reader = await server.registry.access.createToken('olga', 'read');
    await server.registry.metadata.addOrgMember('acme', 'olga');
    await server.registry.metadata.addOrgMember('acme', 'mia');
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('lets org members write to the org, and nobody else', async () => {
    await createRepo({
      hubUrl,
      accessToken: owner,
      repo: { type: 'model', name: 'acme/shared' },
      private: true,
    });
    const upload = (accessToken: string): Promise<unknown> =>
      uploadFiles({
        hubUrl,
        accessToken,
        repo: { type: 'model', name: 'acme/shared' },
        useXet: false,
        files: [{ path: `by-${accessToken.slice(3, 8)}.txt`, content: new Blob(['hi']) }],
      });
    await expect(upload(member)).resolves.toBeDefined();
    // A private repo of an org the caller is not in does not exist for them.
    await expect(upload(outsider)).rejects.toMatchObject({ statusCode: 404 });
    await expect(
      createRepo({ hubUrl, accessToken: outsider, repo: { type: 'model', name: 'acme/intruder' } }),
    ).rejects.toMatchObject({ statusCode: 403 });
    await expect(
      createRepo({ hubUrl, accessToken: outsider, repo: { type: 'model', name: 'olga/squat' } }),
    ).rejects.toMatchObject({ statusCode: 403 });
    const listed = [];
    for await (const m of listModels({ hubUrl, accessToken: member, search: { owner: 'acme' } })) {
      listed.push(m.name);
    }
    expect(listed).toEqual(['acme/shared']);
  });

  it('gives read tokens reads only', async () => {
    await createRepo({
      hubUrl,
      accessToken: owner,
      repo: { type: 'model', name: 'olga/mine' },
      private: true,
    });
    expect((await modelInfo({ hubUrl, accessToken: reader, name: 'olga/mine' })).name).toBe('olga/mine');
    const write = await postCommit(hubUrl, 'olga/mine', reader, [
      { key: 'header', value: { summary: 'nope' } },
      { key: 'file', value: { path: 'x.txt', content: 'eA==' } },
    ]);
    expect(write.status).toBe(403);
    await expect(
      createRepo({ hubUrl, accessToken: reader, repo: { type: 'model', name: 'olga/other' } }),
    ).rejects.toMatchObject({ statusCode: 403 });
  });

  it('stores tokens hashed, never in clear', async () => {
    const database = await readFile(join(dir, 'data', 'metadata.sqlite'));
    const wal = await readFile(join(dir, 'data', 'metadata.sqlite-wal')).catch(() => Buffer.alloc(0));
    for (const token of [owner, member, outsider, reader]) {
      expect(database.includes(token)).toBe(false);
      expect(wal.includes(token)).toBe(false);
    }
  });

  it('lands concurrent commits without a parentCommit on top of each other', async () => {
    await createRepo({ hubUrl, accessToken: owner, repo: { type: 'model', name: 'olga/busy' } });
    const results = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        postCommit(hubUrl, 'olga/busy', owner, [
          { key: 'header', value: { summary: `commit ${i}` } },
          { key: 'file', value: { path: `f${i}.txt`, content: Buffer.from(String(i)).toString('base64') } },
        ]),
      ),
    );
    expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    const tree = (await (await fetch(`${hubUrl}/api/models/olga/busy/tree/main`)).json()) as {
      path: string;
    }[];
    expect(tree.map((e) => e.path).filter((p) => p.startsWith('f'))).toEqual([
      'f0.txt',
      'f1.txt',
      'f2.txt',
      'f3.txt',
      'f4.txt',
      'f5.txt',
    ]);
  });

  it("does not let a known sha256 pull another repo's private LFS object", async () => {
    const secret = Buffer.from('private weights, do not share');
    await createRepo({
      hubUrl,
      accessToken: owner,
      repo: { type: 'model', name: 'olga/vault' },
      private: true,
    });
    await uploadFiles({
      hubUrl,
      accessToken: owner,
      repo: { type: 'model', name: 'olga/vault' },
      useXet: false,
      files: [{ path: 'secret.bin', content: new Blob([secret]) }],
    });
    await createRepo({ hubUrl, accessToken: outsider, repo: { type: 'model', name: 'otto/heist' } });
    const oid = sha256(secret);
    const batch = await lfsBatch(hubUrl, 'otto/heist', outsider, [{ oid, size: secret.byteLength }]);
    expect(batch.objects[0]?.actions?.upload.href).toBeDefined();
    const steal = await postCommit(hubUrl, 'otto/heist', outsider, [
      { key: 'header', value: { summary: 'heist' } },
      { key: 'lfsFile', value: { path: 'loot.bin', algo: 'sha256', oid, size: secret.byteLength } },
    ]);
    expect(steal.status).toBe(422);
    const loot = await fetch(`${hubUrl}/otto/heist/resolve/main/loot.bin`);
    expect(loot.headers.get('x-error-code')).toBe('EntryNotFound');
  });
});
