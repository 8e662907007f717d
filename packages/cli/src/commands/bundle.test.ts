import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { importBundle, pull, pushFolder } from '@modelhub/client';
import { captureIo, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { runCli } from '../program.ts';

let registry: TestRegistry;
let dir: string;

beforeAll(async () => {
  registry = await startTestRegistry({ seed: ['ppocr-cls'] });
  dir = await mkdtemp(join(tmpdir(), 'cli-bundle-'));
});
afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

/** A head's modelhub.json pinning `base`: all that bundling reads of a head. */
function headManifest(base: { repo: string; commit: string }): string {
  return JSON.stringify({
    format: 'modelhub-head',
    formatVersion: 1,
    task: 'image-classification',
    base: {
      endpoint: registry.url,
      repo: base.repo,
      commit: base.commit,
      files: [{ path: 'model.onnx', size: 1, sha256: 'b'.repeat(64) }],
    },
    feature: { tensor: 'x', runtime: 'onnx', pooling: 'mean', dim: 8 },
    preprocessing: {
      source: 'modelhub.json',
      decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
      resize: { mode: 'exact', height: 8, width: 8, resample: 'bilinear', antialias: false },
      crop: { mode: 'none', height: 8, width: 8 },
      pad: null,
      rescale: { scale: 1 / 255, offset: 0 },
      normalize: null,
      layout: 'NCHW',
      dtype: 'float32',
    },
    labels: ['a', 'b'],
    head: { type: 'linear', hidden: [], file: 'head.onnx', sha256: 'c'.repeat(64), opset: 13 },
    training: {},
    dataset: { manifestSha256: 'd'.repeat(64), perClass: { a: 2, b: 2 } },
    metrics: {},
    createdAt: '2026-12-06T18:00:00.000Z',
    createdBy: 'test',
  });
}

describe('hub bundle create', () => {
  it('adds the base model of a named head at its pinned commit, so the head loads offline elsewhere', async () => {
    const env = {};
    const cache = join(dir, 'cache');
    const base = await pull('modelhub/ppocr-cls', { endpoint: registry.url, cacheDir: cache, env });
    const headDir = join(dir, 'head');
    await mkdir(headDir);
    await writeFile(join(headDir, 'modelhub.json'), headManifest(base));
    const token = await registry.createToken('alice', true);
    await pushFolder(headDir, 'alice/head', { endpoint: registry.url, token, env });
    await pull('alice/head', { endpoint: registry.url, cacheDir: cache, env });

    const tar = join(dir, 'head.tar');
    const io = captureIo();
    const args = ['--endpoint', registry.url, '--cache-dir', cache, 'bundle', 'create', 'alice/head'];
    expect(await runCli([...args, '--out', tar], io)).toBe(0);
    expect(io.out).toContain(`bundled ${base.repo}@${base.commit.slice(0, 12)}`);

    const elsewhere = join(dir, 'elsewhere');
    await importBundle(tar, { endpoint: registry.url, cacheDir: elsewhere, env });
    const offline = { endpoint: registry.url, cacheDir: elsewhere, offline: true, env };
    await expect(pull(`${base.repo}@${base.commit}`, offline)).resolves.toMatchObject({
      commit: base.commit,
    });

    // A cache holding the head alone: the bundle is still written, and a note says what it lacks.
    const headOnly = join(dir, 'head-only');
    await pull('alice/head', { endpoint: registry.url, cacheDir: headOnly, env });
    // A backbone's modelhub.json (no head manifest) is bundled as it is, with no note.
    const backbone = captureIo();
    const backboneArgs = ['--endpoint', registry.url, '--cache-dir', cache, 'bundle', 'create', base.repo];
    expect(await runCli([...backboneArgs, '--out', join(dir, 'backbone.tar')], backbone)).toBe(0);
    expect(backbone.err).toBe('');

    const partial = captureIo();
    const partialArgs = [
      '--endpoint',
      registry.url,
      '--cache-dir',
      headOnly,
      'bundle',
      'create',
      'alice/head',
    ];
    expect(await runCli([...partialArgs, '--out', join(dir, 'head-only.tar')], partial)).toBe(0);
    expect(partial.err).toContain(`note: alice/head's base model ${base.repo}@${base.commit} is not cached`);
  });
});
