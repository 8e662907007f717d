import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureIo, startPostgres, startS3, type TestPostgres, type TestS3 } from '@modelhub/testing';

import { openRegistry, type RegistryBackends } from '@modelhub/registry';

import { runCli } from '../program.ts';

async function publishAndDelete(backends: string | RegistryBackends): Promise<string> {
  const registry = await openRegistry(backends);
  try {
    const repo = await registry.repos.createAs('erin', 'model', 'erin', 'gone', false);
    const bytes = randomBytes(4096);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    await registry.uploads.storeObject(repo, [bytes], { sha256, size: bytes.length });
    await registry.commits.commitAs('erin', repo, 'main', { summary: 'weights', description: '' }, [
      { kind: 'lfsFile', path: 'w.bin', sha256, size: bytes.length },
    ]);
    expect(await registry.blobs.stat(sha256)).toBe(bytes.length);
    await registry.metadata.deleteRepo(repo.id);
    return sha256;
  } finally {
    await registry.close();
  }
}

async function blobSize(backends: string | RegistryBackends, sha256: string): Promise<number | undefined> {
  const registry = await openRegistry(backends);
  try {
    return await registry.blobs.stat(sha256);
  } finally {
    await registry.close();
  }
}

describe('registry commands on every backend', () => {
  let dir: string;
  let pg: TestPostgres;
  let s3: TestS3;
  const env = { ...process.env };
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-cli-backends-'));
    [pg, s3] = await Promise.all([startPostgres(), startS3()]);
    process.env['AWS_ACCESS_KEY_ID'] = s3.accessKeyId;
    process.env['AWS_SECRET_ACCESS_KEY'] = s3.secretAccessKey;
    process.env['AWS_REGION'] = s3.region;
  }, 120_000);
  afterAll(async () => {
    process.env = env;
    await Promise.all([pg.stop(), s3.stop()]);
    await rm(dir, { recursive: true, force: true });
  });

  it('hub gc --data deletes the blobs of a deleted repo (after the grace window) and keeps the rest', async () => {
    const data = join(dir, 'local');
    const sha256 = await publishAndDelete(data);
    const kept = captureIo();
    expect(await runCli(['gc', '--data', data, '--json'], kept)).toBe(0);
    expect(JSON.parse(kept.out)).toMatchObject({ leader: true, deletedBlobs: 0 });
    expect(await blobSize(data, sha256)).toBe(4096);
    const io = captureIo();
    expect(await runCli(['gc', '--data', data, '--grace', '0', '--json'], io)).toBe(0);
    // The weights and the repo's .gitattributes: nothing references them any more.
    expect(JSON.parse(io.out)).toMatchObject({ leader: true, deletedBlobs: 2 });
    expect(await blobSize(data, sha256)).toBeUndefined();
  });

  it('hub token create, hub alias set and hub gc take --metadata postgres://… --blobs s3://…', async () => {
    const backends = {
      metadata: await pg.createDatabase(),
      blobs: `s3://${s3.bucket}/cli`,
      s3Endpoint: s3.endpoint,
    };
    const flags = ['--metadata', backends.metadata, '--blobs', backends.blobs, '--s3-endpoint', s3.endpoint];
    const io = captureIo();
    expect(await runCli(['token', 'create', ...flags, '--user', 'erin', '--write'], io)).toBe(0);
    const sha256 = await publishAndDelete(backends);
    const registry = await openRegistry(backends);
    try {
      const actor = await registry.access.authenticate(`Bearer ${io.out.trim()}`);
      expect(actor.kind === 'account' && actor.token.role).toBe('write');
      await registry.repos.createAs('erin', 'model', 'erin', 'kept', false);
    } finally {
      await registry.close();
    }
    expect(await runCli(['alias', 'set', 'k', 'erin/kept', ...flags], captureIo())).toBe(0);
    const gc = captureIo();
    expect(await runCli(['gc', ...flags, '--grace', '0', '--json'], gc)).toBe(0);
    // The weights only: the .gitattributes blob is shared with erin/kept.
    expect(JSON.parse(gc.out)).toMatchObject({ deletedBlobs: 1, freedBytes: 4096 });
    expect(await blobSize(backends, sha256)).toBeUndefined();
    const missing = captureIo();
    expect(await runCli(['token', 'create', '--user', 'x'], missing)).toBe(1);
    expect(missing.err).toMatch(/--data DIR, or --metadata postgres/);
  });

  it('refuses a signing key file that is too short', async () => {
    const key = join(dir, 'short.key');
    await writeFile(key, 'abc');
    const io = captureIo();
    expect(
      await runCli(
        ['token', 'create', '--data', join(dir, 'k'), '--signing-key-file', key, '--user', 'x'],
        io,
      ),
    ).toBe(1);
    expect(io.err).toMatch(/too short/);
  });
});
