import { chmod, mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';
import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import {
  createBundle,
  gcCache,
  importBundle,
  pull,
  removeModel,
  resolveClientConfig,
  scanCache,
  verifyCache,
  type ClientOptions,
} from '../src/index.ts';

let registry: TestRegistry;
let scratch: string;

beforeAll(async () => {
  registry = await startTestRegistry({ seed: true });
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-client-cache-'));
});

afterAll(async () => {
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
async function client(): Promise<ClientOptions & { cacheDir: string }> {
  n += 1;
  return { endpoint: registry.url, cacheDir: await mkdtemp(join(scratch, `cache-${n}-`)), env: {} };
}

describe('cache management', () => {
  it('verify finds a corrupted blob, repair downloads it again', async () => {
    const opts = await client();
    const result = await pull('modelhub/ppocr-cls', opts);
    const onnx = result.files.find((f) => f.path === 'model.onnx');
    const blob = join(result.dir, '..', '..', 'blobs', onnx?.sha256 ?? '');
    const good = await readFile(blob);
    const bad = Buffer.from(good);
    bad[100] = (bad[100] ?? 0) ^ 1;
    await chmod(blob, 0o644);
    await writeFile(blob, bad);

    const report = await verifyCache(opts);
    expect(report.ok).toBe(false);
    expect(report.problems).toEqual([
      expect.objectContaining({
        kind: 'corrupt',
        repo: 'modelhub/ppocr-cls',
        paths: [{ commit: result.commit, path: 'model.onnx' }],
      }),
    ]);
    const repaired = await verifyCache({ ...opts, model: 'modelhub/ppocr-cls', repair: true });
    expect(repaired.ok).toBe(true);
    expect(sha256(await readFile(join(result.dir, 'model.onnx')))).toBe(onnx?.sha256);
    expect((await verifyCache(opts)).problems).toEqual([]);
  });

  it('ls reports sizes and last use; rm removes a model', async () => {
    const opts = await client();
    await pull('modelhub/ppocr-cls', opts);
    await pull('mobilenet-v2', opts);
    const root = resolveClientConfig(opts).cacheRoot;
    const repos = await scanCache(root);
    expect(repos.map((r) => r.repo).sort()).toEqual(['modelhub/mobilenet-v2', 'modelhub/ppocr-cls']);
    expect(repos.every((r) => r.sizeBytes > 0 && r.refs['main'] !== undefined)).toBe(true);
    expect((await removeModel('modelhub/ppocr-cls', opts)).removed).toBe(true);
    expect((await scanCache(root)).map((r) => r.repo)).toEqual(['modelhub/mobilenet-v2']);
  });

  it('gc removes unreferenced blobs and abandoned partials, then evicts least-recently-used models beyond a size', async () => {
    const opts = await client();
    const cls = await pull('modelhub/ppocr-cls', opts);
    const mobilenet = await pull('mobilenet-v2', opts);
    const root = resolveClientConfig(opts).cacheRoot;
    const blobs = join(cls.dir, '..', '..', 'blobs');
    await writeFile(join(blobs, 'a'.repeat(64)), 'orphan');
    await writeFile(join(blobs, `${'b'.repeat(64)}.partial`), 'half');
    const old = new Date(Date.now() - 3600_000);
    await utimes(join(blobs, 'a'.repeat(64)), old, old);
    const first = await gcCache(root);
    expect(first.removedBlobs).toBe(1);
    expect(first.removedPartials).toBe(1);
    expect((await readdir(blobs)).sort()).toEqual(cls.files.map((f) => f.sha256 ?? f.gitOid).sort());

    // ppocr-cls was used long ago, mobilenet just now: a limit below both evicts ppocr-cls first.
    await utimes(cls.dir, old, old);
    const sizeMobilenet = mobilenet.files.reduce((s, f) => s + f.size, 0);
    const evicted = await gcCache(root, { maxSize: sizeMobilenet + 10 });
    expect(evicted.removedSnapshots).toEqual([{ repo: 'modelhub/ppocr-cls', commit: cls.commit }]);
    expect((await scanCache(root)).map((r) => r.repo)).toEqual(['modelhub/mobilenet-v2']);
  });

  it('bundles cached models and imports them, verified, for offline use elsewhere', async () => {
    const online = await client();
    await pull('mobilenet-v2', online);
    const file = join(online.cacheDir, 'models.tar');
    const created = await createBundle(['mobilenet-v2', 'modelhub/ppocr-cls'].slice(0, 1), file, online);
    expect(created.models[0]?.repo).toBe('modelhub/mobilenet-v2');

    const airGapped = await client();
    const imported = await importBundle(file, airGapped);
    expect(imported.models[0]?.repo).toBe('modelhub/mobilenet-v2');
    let requests = 0;
    const offline = await pull('mobilenet-v2', {
      ...airGapped,
      offline: true,
      onRequest: () => (requests += 1),
    });
    expect(requests).toBe(0);
    expect(JSON.parse(await readFile(join(offline.dir, 'model.json'), 'utf8'))).toHaveProperty(
      'weightsManifest',
    );
  });

  it('finds an imported model offline without its source registry configured', async () => {
    const online = await client();
    await pull('mobilenet-v2', online);
    const file = join(online.cacheDir, 'alias.tar');
    await createBundle(['mobilenet-v2'], file, online);

    // The offline machine has no endpoint set (huggingface.co by default) and never heard of the registry.
    const airGapped = { cacheDir: await mkdtemp(join(scratch, 'air-gapped-')), env: {} };
    const imported = await importBundle(file, airGapped);
    expect(imported.source?.endpoint).toBe(registry.url);
    expect(imported.cacheRoot).toBe(resolveClientConfig({ ...airGapped, endpoint: registry.url }).cacheRoot);
    for (const ref of ['modelhub/mobilenet-v2', 'mobilenet-v2']) {
      const found = await pull(ref, { ...airGapped, offline: true });
      expect(found).toMatchObject({ repo: 'modelhub/mobilenet-v2', endpoint: registry.url });
      expect(found.commit).toBe(imported.models[0]?.commit);
    }
    // A name that was not imported is still NOT_IN_CACHE, and a reference naming another registry
    // is looked for there only.
    await expect(pull('modelhub/ppocr-cls', { ...airGapped, offline: true })).rejects.toMatchObject({
      code: 'NOT_IN_CACHE',
    });
    await expect(
      pull('http://127.0.0.1:9/modelhub/mobilenet-v2', { ...airGapped, offline: true }),
    ).rejects.toMatchObject({ code: 'NOT_IN_CACHE' });
  });

  it('a dry run writes nothing into the cache, not even the manifest it reads to plan', async () => {
    const opts = await client();
    const root = resolveClientConfig(opts).cacheRoot;
    const plan = await pull('mobilenet-v2', { ...opts, dryRun: true });
    expect(plan.dryRun).toBe(true);
    // The TF.js model.json was read to choose the weight shards.
    expect(plan.files.map((f) => f.path)).toEqual(expect.arrayContaining(['model.json']));
    expect(plan.files.some((f) => f.path.endsWith('.bin'))).toBe(true);
    expect(plan.plan.downloadBytes).toBeGreaterThan(0);
    expect(await readdir(opts.cacheDir, { recursive: true })).toEqual([]);
    expect(root.startsWith(opts.cacheDir)).toBe(true);
  });

  it('bundle create of a model that is not cached says so, and how to fix it (not "Offline")', async () => {
    const online = await client();
    const error = await createBundle(['modelhub/ppocr-det'], join(online.cacheDir, 'x.tar'), online).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'NOT_IN_CACHE',
      message: `modelhub/ppocr-det is not in the cache of ${registry.url}: hub bundle create packs cached models only.`,
      hint: 'Pull it first (hub pull modelhub/ppocr-det), then create the bundle.',
    });
  });

  it('refuses a bundle whose bytes do not match their hashes', async () => {
    const online = await client();
    const pulled = await pull('modelhub/ppocr-cls', online);
    const onnx = pulled.files.find((f) => f.path === 'model.onnx');
    const blob = join(pulled.dir, '..', '..', 'blobs', onnx?.sha256 ?? '');
    const file = join(online.cacheDir, 'bad.tar');
    await createBundle(['modelhub/ppocr-cls'], file, online);
    // One byte of model.onnx flipped inside the bundle.
    const original = await readFile(blob);
    const tar = await readFile(file);
    const at = tar.indexOf(original.subarray(4096, 4160));
    expect(at).toBeGreaterThan(0);
    tar[at] = (tar[at] ?? 0) ^ 1;
    await writeFile(file, tar);
    const target = await client();
    await expect(importBundle(file, target)).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
    const root = resolveClientConfig(target).cacheRoot;
    expect(await readdir(join(root, 'models--modelhub--ppocr-cls', 'snapshots')).catch(() => [])).toEqual([]);

    // Nor is a bundle made from a cache whose bytes changed after they were verified.
    const bytes = Buffer.from(original);
    bytes[0] = (bytes[0] ?? 0) ^ 1;
    await chmod(blob, 0o644);
    await writeFile(blob, bytes);
    await expect(
      createBundle(['modelhub/ppocr-cls'], join(online.cacheDir, 'worse.tar'), online),
    ).rejects.toMatchObject({ code: 'INTEGRITY_MISMATCH' });
  });
});
