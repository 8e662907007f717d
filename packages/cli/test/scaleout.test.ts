import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { commit, createRepo, downloadFile, uploadFiles } from '@huggingface/hub';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { pull, pushFolder } from '@modelhub/client';
import { startPostgres, startS3, type TestPostgres, type TestS3 } from '@modelhub/testing';

import { openRegistry, type Registry, type RegistryBackends } from '@modelhub/registry';

import {
  startLoadBalancer,
  startReplica,
  stopReplica,
  type LoadBalancer,
  type Replica,
} from './helpers/replicas.ts';

// Three stateless `hub serve` processes share one PostgreSQL database and one S3 bucket
// (@20minutes/s3rver, which checks SigV4) behind a round-robin load balancer: everything a client
// does goes through the balancer, so consecutive calls land on different replicas.

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const repo = 'alice/shared';

let pg: TestPostgres;
let s3: TestS3;
let lb: LoadBalancer;
let replicas: Replica[] = [];
let backends: RegistryBackends;
let admin: Registry;
let token: string;
let scratch: string;
let replicaArgs: string[];
let env: NodeJS.ProcessEnv;

async function head(): Promise<string> {
  const response = await fetch(`${lb.url}/api/models/${repo}/revision/main`);
  return ((await response.json()) as { sha: string }).sha;
}

async function postCommit(lines: object[]): Promise<Response> {
  return fetch(`${lb.url}/api/models/${repo}/commit/main`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
    body: lines.map((l) => JSON.stringify(l)).join('\n'),
  });
}

const fileLine = (path: string, text: string) => ({
  key: 'file',
  value: { path, content: Buffer.from(text).toString('base64'), encoding: 'base64' },
});

/** Every LFS object any commit of the repo references is in the bucket with the right bytes. */
async function expectNothingLost(): Promise<number> {
  const found = await admin.metadata.getRepo('model', 'alice', 'shared');
  expect(found).toBeDefined();
  let checked = 0;
  const seen = new Set<string>();
  for (let sha: string | null = await head(); sha !== null;) {
    const commitRow = await admin.metadata.getCommit(found?.id ?? 0, sha);
    for (const file of await admin.metadata.commitFiles(found?.id ?? 0, sha)) {
      if (!file.lfs || seen.has(file.sha256)) {
        continue;
      }
      seen.add(file.sha256);
      const chunks: Buffer[] = [];
      for await (const chunk of admin.blobs.read(file.sha256)) {
        chunks.push(chunk as Buffer);
      }
      expect(sha256(Buffer.concat(chunks))).toBe(file.sha256);
      checked++;
    }
    sha = commitRow?.parent ?? null;
  }
  return checked;
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-scaleout-'));
  [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  backends = { metadata: await pg.createDatabase(), blobs: `s3://${s3.bucket}/hub`, s3Endpoint: s3.endpoint };
  env = {
    ...process.env,
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  };
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  });
  admin = await openRegistry(backends);
  token = await admin.access.createToken('alice', 'write');
  lb = await startLoadBalancer();
  // The replicas share one config file (secrets stay in the environment); objects above 2 MiB go
  // in 1 MiB parts, so a small file exercises the multipart transfer.
  const config = join(scratch, 'registry.yaml');
  await writeFile(
    config,
    [
      `metadata: ${backends.metadata ?? ''}`,
      `blobs: ${backends.blobs ?? ''}`,
      `s3Endpoint: ${s3.endpoint}`,
      `publicUrl: ${lb.url}`,
      'gcInterval: 0',
      'multipartThreshold: 2MiB',
      'multipartChunkSize: 1MiB',
    ].join('\n'),
  );
  replicaArgs = ['--config', config];
  replicas = await Promise.all([1, 2, 3].map(() => startReplica(replicaArgs, env)));
  lb.upstreams = replicas.map((r) => r.url);
  await createRepo({ hubUrl: lb.url, accessToken: token, repo: { type: 'model', name: repo } });
}, 180_000);

afterAll(async () => {
  await Promise.all(replicas.map((r) => stopReplica(r)));
  await lb.close();
  await admin.close();
  await Promise.all([pg.stop(), s3.stop()]);
  await rm(scratch, { recursive: true, force: true });
});

describe('three replicas on PostgreSQL and S3 behind a load balancer', () => {
  it('the official @huggingface/hub client round-trips; downloads are 302s to presigned URLs that both clients follow', async () => {
    const weights = randomBytes(1_500_000);
    const config = Buffer.from('{"model_type":"test"}');
    await uploadFiles({
      hubUrl: lb.url,
      accessToken: token,
      repo: { type: 'model', name: repo },
      useXet: false,
      files: [
        { path: 'model.bin', content: new Blob([weights]) },
        { path: 'config.json', content: new Blob([config]) },
      ],
    });
    expect(new Set(lb.answered.keys()).size).toBe(3);

    const resolve = await fetch(`${lb.url}/${repo}/resolve/main/model.bin`, {
      method: 'HEAD',
      redirect: 'manual',
    });
    expect(resolve.status).toBe(302);
    expect(resolve.headers.get('x-linked-size')).toBe(String(weights.length));
    expect(resolve.headers.get('x-linked-etag')).toBe(`"${sha256(weights)}"`);
    expect(resolve.headers.get('etag')).toBe(`"${sha256(weights)}"`);
    expect(resolve.headers.get('x-repo-commit')).toMatch(/^[0-9a-f]{40}$/);
    expect([...resolve.headers.keys()].some((h) => h.startsWith('x-xet'))).toBe(false);
    const location = resolve.headers.get('location') ?? '';
    expect(location.startsWith(s3.endpoint)).toBe(true);

    // A tampered signature is refused by the storage.
    const tampered = new URL(location);
    const signature = tampered.searchParams.get('X-Amz-Signature') ?? '';
    tampered.searchParams.set(
      'X-Amz-Signature',
      `${signature.startsWith('0') ? '1' : '0'}${signature.slice(1)}`,
    );
    expect((await fetch(tampered)).status).toBe(403);
    // The token must not travel with the presigned URL: S3 refuses two credentials.
    expect((await fetch(location, { headers: { authorization: `Bearer ${token}` } })).status).toBe(400);

    const official = await downloadFile({ hubUrl: lb.url, accessToken: token, repo, path: 'model.bin' });
    expect(sha256(Buffer.from((await official?.arrayBuffer()) ?? new ArrayBuffer(0)))).toBe(sha256(weights));

    const ours = await pull(repo, {
      endpoint: lb.url,
      token,
      cacheDir: join(scratch, 'cache'),
      env: {},
    });
    expect(sha256(await readFile(join(ours.dir, 'model.bin')))).toBe(sha256(weights));
    expect((await readFile(join(ours.dir, 'config.json'))).equals(config)).toBe(true);
  });

  it('32 concurrent commits naming the same parent: exactly one lands, 31 get 412, nothing half-written', async () => {
    const parent = await head();
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        postCommit([
          { key: 'header', value: { summary: `race ${i}`, parentCommit: parent } },
          fileLine(`race/${i}.txt`, `${i}`),
        ]),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.filter((s) => s === 412)).toHaveLength(31);
    const now = await head();
    const landed = await admin.metadata.getCommit(
      (await admin.metadata.getRepo('model', 'alice', 'shared'))?.id ?? 0,
      now,
    );
    expect(landed?.parent).toBe(parent);
    const tree = (await (await fetch(`${lb.url}/api/models/${repo}/tree/main/race`)).json()) as unknown[];
    expect(tree).toHaveLength(1);
  });

  it('32 concurrent commits without a parent: all land, in one linear history', async () => {
    const before = await head();
    const responses = await Promise.all(
      Array.from({ length: 32 }, (_, i) =>
        postCommit([{ key: 'header', value: { summary: `line ${i}` } }, fileLine(`line/${i}.txt`, `${i}`)]),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array.from({ length: 32 }, () => 200));
    const repoId = (await admin.metadata.getRepo('model', 'alice', 'shared'))?.id ?? 0;
    const landed = new Set(
      await Promise.all(responses.map(async (r) => ((await r.json()) as { commitOid: string }).commitOid)),
    );
    let sha: string | null = await head();
    let depth = 0;
    while (sha !== null && sha !== before) {
      expect(landed.has(sha)).toBe(true);
      sha = (await admin.metadata.getCommit(repoId, sha))?.parent ?? null;
      depth++;
    }
    expect(depth).toBe(32);
    const tree = (await (await fetch(`${lb.url}/api/models/${repo}/tree/main/line`)).json()) as unknown[];
    expect(tree).toHaveLength(32);
  });

  it('GC during uploads and commits deletes nothing referenced or in its grace window', async () => {
    const cutoff = new Date();
    // An orphan from before the cutoff: the only thing this pass may delete.
    const orphan = randomBytes(2048);
    await admin.ledger.put([orphan], { sha256: sha256(orphan), maxSize: orphan.length });
    await admin.metadata
      .commitToBranch(0, 'none', () => Promise.reject(new Error('unused')))
      .catch(() => undefined);
    const uploads = Array.from({ length: 4 }, (_, i) =>
      commit({
        hubUrl: lb.url,
        accessToken: token,
        repo: { type: 'model', name: repo },
        useXet: false,
        title: `gc race ${i}`,
        operations: [
          { operation: 'addOrUpdate', path: `gc/${i}.bin`, content: new Blob([randomBytes(300_000 + i)]) },
        ],
      }),
    );
    const [first, second] = await Promise.all([admin.gc.run({ cutoff }), admin.gc.run({ cutoff })]);
    await Promise.all(uploads);
    expect([first.leader, second.leader].filter(Boolean).length).toBeGreaterThanOrEqual(1);
    expect(await admin.blobs.stat(sha256(orphan))).toBe(orphan.length);
    // Nothing touched after the cutoff went; now the orphan is older than a cutoff taken after it.
    const later = await admin.gc.run({ cutoff: new Date(Date.now() + 1000) });
    expect(later.leader).toBe(true);
    expect(await admin.blobs.stat(sha256(orphan))).toBeUndefined();
    expect(await expectNothingLost()).toBeGreaterThanOrEqual(5);
  });

  it('a replica killed (SIGKILL) mid-multipart: hub push completes through the others, 0 blobs lost or corrupt', async () => {
    const dir = join(scratch, 'multipart');
    await mkdir(dir, { recursive: true });
    const bytes = randomBytes(6 * 1024 * 1024 + 123);
    await writeFile(join(dir, 'big.bin'), bytes);
    let victim: Replica | undefined;
    let killedAt = 0;
    const result = await pushFolder(dir, repo, {
      endpoint: lb.url,
      token,
      env: {},
      // One part at a time, so the kill falls between parts of one object.
      connections: 1,
      onProgress: (done) => {
        if (victim === undefined && done > 2.5 * 1024 * 1024) {
          // The replica that planned this multipart upload (answered its batch) dies.
          const planner = lb.handled.findLast((h) => h.url.endsWith('/info/lfs/objects/batch'));
          victim = replicas.find((r) => r.url === planner?.upstream);
          killedAt = lb.handled.length;
          victim?.child.kill('SIGKILL');
        }
      },
    });
    expect(victim).toBeDefined();
    const after = lb.handled.slice(killedAt);
    expect(after.some((h) => h.method === 'POST' && h.url.startsWith('/api/lfs/upload/'))).toBe(true);
    expect(after.some((h) => h.url.includes('/commit/'))).toBe(true);
    expect(after.every((h) => h.upstream !== victim?.url)).toBe(true);
    const ours = await pull(`${repo}@${result.commit}`, {
      endpoint: lb.url,
      token,
      cacheDir: join(scratch, 'cache-multipart'),
      env: {},
    });
    expect(sha256(await readFile(join(ours.dir, 'big.bin')))).toBe(sha256(bytes));
    expect(await expectNothingLost()).toBeGreaterThanOrEqual(6);
    const index = replicas.findIndex((r) => r === victim);
    await stopReplica(replicas[index] as Replica);
    replicas[index] = await startReplica(replicaArgs, env);
    lb.upstreams = replicas.map((r) => r.url);
  });

  it('a replica killed (SIGKILL) mid-upload: the client goes on through another replica, 0 blobs lost or corrupt', async () => {
    const victim = replicas[0];
    if (victim === undefined) {
      throw new Error('no replica');
    }
    const bytes = randomBytes(800_000);
    let killed = false;
    const fetchThatKills: typeof fetch = async (input, init) => {
      const url = input instanceof Request ? input.url : String(input);
      if (!killed && url.startsWith(s3.endpoint) && (init?.method ?? 'GET') === 'PUT') {
        killed = true;
        await stopReplica(victim, 'SIGKILL');
      }
      return fetch(input, init);
    };
    await uploadFiles({
      hubUrl: lb.url,
      accessToken: token,
      repo: { type: 'model', name: repo },
      useXet: false,
      fetch: fetchThatKills,
      files: [{ path: 'after-kill.bin', content: new Blob([bytes]) }],
    });
    expect(killed).toBe(true);
    const back = await downloadFile({ hubUrl: lb.url, accessToken: token, repo, path: 'after-kill.bin' });
    expect(sha256(Buffer.from((await back?.arrayBuffer()) ?? new ArrayBuffer(0)))).toBe(sha256(bytes));
    expect(await expectNothingLost()).toBeGreaterThanOrEqual(7);
    // The survivors report healthy; a replacement joins with nothing but the shared configuration.
    replicas[0] = await startReplica(replicaArgs, env);
    lb.upstreams = replicas.map((r) => r.url);
    for (const replica of replicas) {
      expect((await fetch(`${replica.url}/healthz`)).status).toBe(200);
    }
  });
});
