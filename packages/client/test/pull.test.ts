import { lstat, mkdtemp, readFile, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { gitBlobSha1, sha256 } from '@modelhub/core';
import { ensureFixtures, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { pull, type PullOptions } from '../src/index.ts';
import { hfOfflineMissing } from './helpers/hf-offline-snapshot.ts';
import { publish } from './helpers/publish.ts';

let registry: TestRegistry;
let scratch: string;

beforeAll(async () => {
  registry = await startTestRegistry({ seed: true });
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-client-pull-'));
});

afterAll(async () => {
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

let n = 0;
async function freshCache(): Promise<string> {
  n += 1;
  return mkdtemp(join(scratch, `cache-${n}-`));
}

function options(cacheDir: string, extra: PullOptions = {}): PullOptions {
  return { endpoint: registry.url, cacheDir, env: {}, ...extra };
}

describe('pull() against the real registry', () => {
  it('downloads an ONNX model into the Hugging Face cache layout, verified, with the ref written', async () => {
    const cacheDir = await freshCache();
    const fx = await ensureFixtures();
    const result = await pull('modelhub/ppocr-rec', options(cacheDir));
    expect(result.repo).toBe('modelhub/ppocr-rec');
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(result.revision).toBe('main');
    expect(result.files.map((f) => f.path)).toContain('model.onnx');
    // huggingface_hub reads this snapshot offline only if every file of trees/<commit>.json is there.
    expect(result.files.map((f) => f.path)).toContain('.gitattributes');
    const onnx = result.files.find((f) => f.path === 'model.onnx');
    const original = await readFile(join(fx.models['ppocr-rec'].dir, 'model.onnx'));
    expect(onnx).toMatchObject({ lfs: true, size: original.length, sha256: sha256(original) });

    const root = join(cacheDir, new URL(registry.url).host.replace(':', '_'), 'models--modelhub--ppocr-rec');
    expect(result.dir).toBe(join(root, 'snapshots', result.commit));
    const link = join(result.dir, 'model.onnx');
    expect((await lstat(link)).isSymbolicLink()).toBe(true);
    expect(await readlink(link)).toBe(`../../blobs/${sha256(original)}`);
    expect(Buffer.compare(await readFile(link), original)).toBe(0);
    const keys = await readFile(join(result.dir, 'ppocr_keys_v1.txt'));
    expect(await readlink(join(result.dir, 'ppocr_keys_v1.txt'))).toBe(`../../blobs/${gitBlobSha1(keys)}`);
    expect(await readFile(join(root, 'refs', 'main'), 'utf8')).toBe(result.commit);
    const tree = JSON.parse(await readFile(join(root, 'trees', `${result.commit}.json`), 'utf8')) as {
      format_version: number;
      files: Record<string, { lfs_sha256?: string }>;
    };
    expect(tree.format_version).toBe(1);
    expect(tree.files['model.onnx']?.lfs_sha256).toBe(sha256(original));
    expect(await hfOfflineMissing(root)).toEqual([]);
  });

  it('resolves an alias, and for TF.js fetches model.json and exactly the shards it lists', async () => {
    const cacheDir = await freshCache();
    const events: string[] = [];
    const result = await pull(
      'mobilenet-v2',
      options(cacheDir, {
        onProgress: (e) => (e.type === 'resolved' ? events.push(`${e.via}:${e.repo}`) : 0),
      }),
    );
    expect(result.repo).toBe('modelhub/mobilenet-v2');
    expect(result.via).toBe('alias');
    expect(events).toContain('alias:modelhub/mobilenet-v2');
    const modelJson = JSON.parse(await readFile(join(result.dir, 'model.json'), 'utf8')) as {
      weightsManifest: { paths: string[] }[];
    };
    const shards = modelJson.weightsManifest.flatMap((g) => g.paths);
    const weights = result.files.filter((f) => f.path.endsWith('.bin')).map((f) => f.path);
    expect(weights.sort()).toEqual(shards.sort());
    expect(await hfOfflineMissing(dirname(dirname(result.dir)))).toEqual([]);
  });

  it('leaves out only the weights a runtime does not load, so the Python client needs just those', async () => {
    const cacheDir = await freshCache();
    await publish(registry.url, registry.adminToken, 'alice/variants', {
      'README.md': '# variants\n',
      'config.json': '{}',
      'onnx/model.onnx': 'fp32',
      'onnx/model_quantized.onnx': 'q8',
      'pytorch_model.bin': 'torch',
    });
    const result = await pull('alice/variants', options(cacheDir));
    const missing = await hfOfflineMissing(dirname(dirname(result.dir)));
    expect(missing.sort()).toEqual(['onnx/model_quantized.onnx', 'pytorch_model.bin']);
  });

  it('reports byte-weighted progress that ends at the total', async () => {
    const cacheDir = await freshCache();
    const progress: { bytes: number; total: number }[] = [];
    await pull(
      'modelhub/ppocr-cls',
      options(cacheDir, { onProgress: (e) => (e.type === 'progress' ? progress.push(e) : 0) }),
    );
    const last = progress.at(-1);
    expect(last?.total).toBeGreaterThan(0);
    expect(last?.bytes).toBe(last?.total);
    expect(progress.every((p, i) => i === 0 || p.bytes >= (progress[i - 1]?.bytes ?? 0))).toBe(true);
  });

  it('asks the commit and its file list in one request on a first pull, and a plain revision later', async () => {
    const cacheDir = await freshCache();
    const run = async (extra: PullOptions = {}) => {
      const urls: string[] = [];
      const result = await pull(
        'modelhub/ppocr-cls',
        options(cacheDir, {
          onRequest: ({ url }) => urls.push(new URL(url).pathname + new URL(url).search),
          tuning: { metadataTtls: { revision: 0 } },
          ...extra,
        }),
      );
      return { api: urls.filter((u) => u.startsWith('/api/')), result };
    };
    const first = await run();
    expect(first.api).toEqual(['/api/models/modelhub/ppocr-cls/revision/main?blobs=true']);
    // Without its cached tree, a pull asks the plain revision and the tree, and lists the same files.
    const root = join(cacheDir, new URL(registry.url).host.replace(':', '_'), 'models--modelhub--ppocr-cls');
    await rm(join(root, 'trees', `${first.result.commit}.json`));
    const viaTree = await run();
    expect(viaTree.api).toEqual([
      '/api/models/modelhub/ppocr-cls/revision/main',
      `/api/models/modelhub/ppocr-cls/tree/${first.result.commit}?recursive=true&expand=false`,
    ]);
    expect(viaTree.result.files).toEqual(first.result.files);
    expect((await run()).api).toEqual(['/api/models/modelhub/ppocr-cls/revision/main']);
  });

  it('makes at most one request for a warm pull, none for a commit sha or offline', async () => {
    const cacheDir = await freshCache();
    const first = await pull('modelhub/ppocr-cls', options(cacheDir));
    const count = async (ref: string, extra: PullOptions = {}): Promise<number> => {
      let requests = 0;
      await pull(
        ref,
        options(cacheDir, {
          onRequest: () => {
            requests += 1;
          },
          tuning: { metadataTtls: { revision: 0 } },
          ...extra,
        }),
      );
      return requests;
    };
    expect(await count('modelhub/ppocr-cls')).toBe(1);
    expect(await count(`modelhub/ppocr-cls@${first.commit}`)).toBe(0);
    expect(await count('modelhub/ppocr-cls', { offline: true })).toBe(0);
    expect(await count('modelhub/ppocr-cls', { env: { HF_HUB_OFFLINE: '1' } })).toBe(0);
  });

  it('offline, names what is missing and touches no network', async () => {
    const cacheDir = await freshCache();
    let requests = 0;
    await expect(
      pull('modelhub/ppocr-det', options(cacheDir, { offline: true, onRequest: () => (requests += 1) })),
    ).rejects.toMatchObject({
      code: 'NOT_IN_CACHE',
      message: expect.stringContaining('modelhub/ppocr-det@main') as string,
    });
    expect(requests).toBe(0);
  });

  it('writes a lockfile, installs it frozen with zero requests, and fails on drift', async () => {
    const cacheDir = await freshCache();
    const lockfile = join(cacheDir, 'modelhub.lock');
    const locked = await pull('ppocr-cls', options(cacheDir, { lockfile }));
    const lock = JSON.parse(await readFile(lockfile, 'utf8')) as {
      models: Record<string, { repo: string; commit: string; files: { path: string; sha256?: string }[] }>;
    };
    expect(lock.models['ppocr-cls']).toMatchObject({ repo: 'modelhub/ppocr-cls', commit: locked.commit });

    let requests = 0;
    const warm = await pull(
      'ppocr-cls',
      options(cacheDir, { lockfile, frozen: true, onRequest: () => (requests += 1) }),
    );
    expect(requests).toBe(0);
    expect(warm.commit).toBe(locked.commit);

    const other = await freshCache();
    const cold = await pull('ppocr-cls', options(other, { lockfile, frozen: true }));
    expect(cold.files).toEqual(locked.files);

    await expect(pull('ppocr-det', options(other, { lockfile, frozen: true }))).rejects.toMatchObject({
      code: 'LOCKFILE_DRIFT',
    });
    const entry = lock.models['ppocr-cls'];
    const onnx = entry?.files.find((f) => f.path === 'model.onnx');
    if (onnx === undefined) {
      throw new Error('model.onnx missing from the lockfile');
    }
    onnx.sha256 = 'f'.repeat(64);
    await writeFile(lockfile, JSON.stringify(lock));
    const third = await freshCache();
    await expect(pull('ppocr-cls', options(third, { lockfile, frozen: true }))).rejects.toMatchObject({
      code: 'INTEGRITY_MISMATCH',
    });
  });

  it('pulls an older commit by sha and a tag-like branch, keeping each snapshot apart', async () => {
    const cacheDir = await freshCache();
    const first = await publish(registry.url, registry.adminToken, 'alice/evolving', {
      'config.json': '{"v":1}',
    });
    const second = await publish(registry.url, registry.adminToken, 'alice/evolving', {
      'config.json': '{"v":2}',
    });
    const old = await pull(`alice/evolving@${first}`, options(cacheDir));
    const head = await pull('alice/evolving', options(cacheDir));
    expect(head.commit).toBe(second);
    expect(await readFile(join(old.dir, 'config.json'), 'utf8')).toBe('{"v":1}');
    expect(await readFile(join(head.dir, 'config.json'), 'utf8')).toBe('{"v":2}');
  });

  it('plans a dry run: files, bytes, what is cached, free disk; downloads nothing', async () => {
    const cacheDir = await freshCache();
    await pull('modelhub/ppocr-cls', options(cacheDir, { include: ['README.md'] }));
    let requests = 0;
    const plan = await pull(
      'modelhub/ppocr-cls',
      options(cacheDir, { dryRun: true, onRequest: () => (requests += 1) }),
    );
    expect(plan.dryRun).toBe(true);
    expect(plan.plan.files.find((f) => f.path === 'README.md')?.cached).toBe(true);
    expect(plan.plan.files.find((f) => f.path === 'model.onnx')?.cached).toBe(false);
    expect(plan.plan.downloadBytes).toBe(plan.plan.totalBytes - plan.plan.cachedBytes);
    expect(plan.plan.freeBytes).toBeGreaterThan(0);
    await expect(lstat(join(plan.dir, 'model.onnx'))).rejects.toThrow();
    expect(requests).toBeLessThanOrEqual(1);
  });

  it('honours --include / --exclude globs', async () => {
    const cacheDir = await freshCache();
    const only = await pull(
      'modelhub/ppocr-rec',
      options(cacheDir, { include: ['*.txt', '*.md'], exclude: ['README.md'] }),
    );
    expect(only.files.map((f) => f.path)).toEqual(['ppocr_keys_v1.txt']);
  });
});

describe('pull() bad input', () => {
  it('an unknown repo is REPO_NOT_FOUND with a suggestion', async () => {
    const cacheDir = await freshCache();
    await expect(pull('modelhub/ppocr-recc', options(cacheDir))).rejects.toMatchObject({
      code: 'REPO_NOT_FOUND',
      hint: expect.stringContaining('modelhub/ppocr-rec') as string,
    });
  });

  it('an endpoint given with /api at its end says to give the root, not that the repo is missing', async () => {
    const cacheDir = await freshCache();
    for (const endpoint of [`${registry.url}/api`, `${registry.url}/api/`]) {
      await expect(pull('modelhub/ppocr-rec', options(cacheDir, { endpoint }))).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
        message: expect.stringContaining('/api/api/models/modelhub/ppocr-rec') as string,
        hint: expect.stringMatching(new RegExp(`: ${registry.url.replace(/[.]/g, '\\.')}$`)) as string,
      });
    }
  });

  it('an unknown alias is ALIAS_NOT_FOUND', async () => {
    const cacheDir = await freshCache();
    await expect(pull('no-such-model-anywhere', options(cacheDir))).rejects.toMatchObject({
      code: 'ALIAS_NOT_FOUND',
    });
  });

  it('an unknown revision is REVISION_NOT_FOUND', async () => {
    const cacheDir = await freshCache();
    await expect(pull('modelhub/ppocr-rec@no-such-branch', options(cacheDir))).rejects.toMatchObject({
      code: 'REVISION_NOT_FOUND',
    });
  });

  it('an unknown file is ENTRY_NOT_FOUND with a suggestion, remembered in .no_exist', async () => {
    const cacheDir = await freshCache();
    const error = await pull('modelhub/ppocr-rec', options(cacheDir, { include: ['model.onxx'] })).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'ENTRY_NOT_FOUND',
      hint: expect.stringContaining('model.onnx') as string,
    });
    const commit = (error as { details: { commit: string } }).details.commit;
    const root = join(cacheDir, new URL(registry.url).host.replace(':', '_'), 'models--modelhub--ppocr-rec');
    expect((await lstat(join(root, '.no_exist', commit, 'model.onxx'))).isFile()).toBe(true);
  });

  it('a private repo needs a valid token', async () => {
    const cacheDir = await freshCache();
    const alice = await registry.createToken('alice', true);
    await publish(registry.url, alice, 'alice/secret', { 'weights.txt': 'secret' }, { private: true });
    await expect(pull('alice/secret', options(cacheDir))).rejects.toMatchObject({
      code: expect.stringMatching(/^(REPO_NOT_FOUND|AUTH_REQUIRED)$/) as string,
    });
    await expect(
      pull('alice/secret', options(cacheDir, { token: 'hf_not_a_real_token' })),
    ).rejects.toMatchObject({
      code: expect.stringMatching(/^(AUTH_INVALID_TOKEN|REPO_NOT_FOUND)$/) as string,
    });
    const ok = await pull('alice/secret', options(cacheDir, { token: alice }));
    expect(await readFile(join(ok.dir, 'weights.txt'), 'utf8')).toBe('secret');
  });
});
