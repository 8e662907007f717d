import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, open, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import * as ort from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { BandwidthLimit, createBundle, importBundle, pull, pushFolder, scanCache } from '@modelhub/client';
import { onnxAdapter } from '@modelhub/adapter-onnx';
import {
  PROBE_ID,
  isModelhubError,
  requireImageSpec,
  type HeadManifest,
  type ModelAdapter,
  type PreprocessSpec,
} from '@modelhub/core';
import { buildHeadModel, readOnnxModel } from '@modelhub/onnx';
import { decodeImage, type DecodedImage } from '@modelhub/vision';
import {
  captureIo,
  ensureFixtures,
  startTestRegistry,
  type FixtureSet,
  type TestRegistry,
} from '@modelhub/testing';

import { readHeadArtifact } from '@modelhub/trainer';

import { adapterModules } from '../src/adapters/load-adapter.ts';
import { describeExport } from '../src/commands/export.ts';
import { fromPretrained, type Pretrained } from '../src/index.ts';
import { exportHead } from '../src/library/export-head.ts';
import type { Io } from '../src/output/error-boundary.ts';
import { runCli } from '../src/program.ts';

const run = promisify(execFile);
/** Imported by name in a child process, as an application would. */
const cliPackage = ['@modelhub', 'cli'].join('/');
const repoRoot = resolve(import.meta.dirname, '../../..');

const silent: Io = { stdout: () => undefined, stderr: () => undefined };

let fx: FixtureSet;
let registryA: TestRegistry;
let closedA = false;
let work: string;
let token: string;
/** Ten held-out test digits per class: file and true label. */
let probes: { file: string; label: string }[];

async function codeOf(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    return isModelhubError(error) ? `${error.code}: ${error.message}` : `not coded: ${String(error)}`;
  }
  return undefined;
}

async function correct(model: Pretrained): Promise<number> {
  if (model.kind !== 'classifier') {
    throw new Error('expected a classifier');
  }
  const predictions = await model.predict(probes.map((p) => p.file));
  return predictions.filter((p, i) => p.top[0]?.label === probes[i]?.label).length;
}

beforeAll(async () => {
  fx = await ensureFixtures();
  registryA = await startTestRegistry({ seed: true });
  work = await mkdtemp(join(tmpdir(), 'modelhub-from-pretrained-'));
  token = await registryA.createToken('alice', true);
  // Five training digits per class, as a class-folder dataset.
  const data = join(work, 'data');
  for (const label of fx.digits.labels) {
    await mkdir(join(data, label), { recursive: true });
    for (const file of (await readdir(join(fx.digits.train, label))).slice(0, 5)) {
      await cp(join(fx.digits.train, label, file), join(data, label, file));
    }
  }
  probes = [];
  for (const label of fx.digits.labels) {
    for (const file of (await readdir(join(fx.digits.test, label))).slice(0, 10)) {
      probes.push({ file: join(fx.digits.test, label, file), label });
    }
  }
  const head = join(work, 'head');
  const global = ['--endpoint', registryA.url, '--cache-dir', join(work, 'cache-train'), '--quiet'];
  expect(
    await runCli([...global, 'train', '--base', 'ppocr-rec', '--data', data, '--out', head], silent),
  ).toBe(0);
  expect(await runCli([...global, '--token', token, 'push', head, 'alice/digits-head'], silent)).toBe(0);
});

afterAll(async () => {
  if (!closedA) {
    await registryA.close();
  }
  await rm(work, { recursive: true, force: true });
});

describe('fromPretrained', () => {
  it('loads a pushed head from an empty cache: head, then its pinned base, then predicts', async () => {
    const cache = join(work, 'cache-fresh');
    // One bandwidth budget for both downloads: every byte of the head and of its base goes through it.
    const limit = new BandwidthLimit(200_000_000);
    const model = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: cache,
      env: {},
      limitRate: limit,
    });
    try {
      expect(model.kind).toBe('classifier');
      const pulled = (await scanCache(join(cache, new URL(registryA.url).host.replace(':', '_')))).reduce(
        (n, r) => n + r.sizeBytes,
        0,
      );
      expect(limit.bytes).toBe(pulled);
      if (model.kind === 'classifier') {
        expect(model.base.repo).toBe('modelhub/ppocr-rec');
        expect(model.labels).toEqual(fx.digits.labels);
        expect(await correct(model)).toBeGreaterThanOrEqual(80);
        const embedded = await model.embed([probes[0]?.file ?? '']);
        expect(embedded.vectors[0]?.length).toBe(model.manifest.feature.dim);
      }
    } finally {
      await model.dispose();
    }
    // The same cache serves it again offline, with no registry at all.
    const offline = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: cache,
      offline: true,
      env: {},
    });
    expect(await correct(offline)).toBeGreaterThanOrEqual(80);
    await offline.dispose();
  });

  it('loads a head from a local folder (what hub train wrote), pulling its pinned base', async () => {
    const local = await fromPretrained(join(work, 'head'), { cacheDir: join(work, 'cache-local'), env: {} });
    try {
      expect(local.kind).toBe('classifier');
      if (local.kind === 'classifier') {
        expect(local.head.repo).toBe('local/head');
        expect(local.head.commit).toBe(local.manifest.head.sha256);
        expect(local.base.repo).toBe('modelhub/ppocr-rec');
        expect(await correct(local)).toBeGreaterThanOrEqual(80);
      }
    } finally {
      await local.dispose();
    }
    // A head trained on a local base folder pins that folder (file: endpoint) and loads it from there.
    const localBase = join(work, 'head-on-local-base');
    expect(
      await runCli(
        [
          '--cache-dir',
          join(work, 'cache-local'),
          '--quiet',
          'train',
          '--base',
          fx.models['ppocr-rec'].dir,
        ].concat(['--data', join(work, 'data'), '--out', localBase]),
        silent,
      ),
    ).toBe(0);
    const onLocalBase = await fromPretrained(localBase, { cacheDir: join(work, 'cache-local'), env: {} });
    try {
      expect(onLocalBase.kind === 'classifier' && onLocalBase.base.endpoint).toMatch(/^file:/);
      expect(await correct(onLocalBase)).toBeGreaterThanOrEqual(80);
    } finally {
      await onLocalBase.dispose();
    }
    expect(await codeOf(fromPretrained(join(work, 'no-such-folder'), { env: {} }))).toMatch(
      /^INVALID_ARGUMENT: .*no-such-folder is not a folder/,
    );
  });

  it('honours a lockfile: records the head and its base, then installs exactly that with frozen', async () => {
    const lockfile = join(work, 'modelhub.lock');
    const first = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: join(work, 'cache-lock-1'),
      lockfile,
      env: {},
    });
    await first.dispose();
    const lock = await readFile(lockfile, 'utf8');
    expect(lock).toContain('alice/digits-head');
    expect(lock).toContain('modelhub/ppocr-rec');
    const frozen = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: join(work, 'cache-lock-2'),
      lockfile,
      frozen: true,
      env: {},
    });
    expect(await correct(frozen)).toBeGreaterThanOrEqual(80);
    await frozen.dispose();
  });

  it('hub predict and hub eval take a pushed head by name, and hub search --heads-of lists it', async () => {
    const global = ['--endpoint', registryA.url, '--cache-dir', join(work, 'cache-cli'), '--json'];
    const io = captureIo();
    const file = probes[0]?.file ?? '';
    const missing = join(work, 'no-such-image.png');
    expect(await runCli([...global, 'predict', 'alice/digits-head', file, missing, '--top', '2'], io)).toBe(
      0,
    );
    const out = JSON.parse(io.out) as {
      predictions: { input: string; top: { label: string }[]; error?: { code: string } }[];
    };
    expect(out.predictions[0]?.top.map((t) => t.label)).toHaveLength(2);
    expect(out.predictions[0]?.top[0]?.label).toBe(probes[0]?.label);
    expect(out.predictions[1]?.error?.code).toBe('INVALID_INPUT');

    const evaluation = captureIo();
    const sample = join(work, 'eval-sample');
    for (const probe of probes.filter((_, i) => i % 5 === 0)) {
      await mkdir(join(sample, probe.label), { recursive: true });
      await cp(probe.file, join(sample, probe.label, probe.file.split('/').at(-1) ?? 'x.png'));
    }
    expect(await runCli([...global, 'eval', 'alice/digits-head', '--data', sample], evaluation)).toBe(0);
    expect(
      (JSON.parse(evaluation.out) as { metrics: { accuracy: number } }).metrics.accuracy,
    ).toBeGreaterThan(0.75);

    const search = captureIo();
    expect(await runCli([...global, 'search', '--heads-of', 'ppocr-rec'], search)).toBe(0);
    const hits = (JSON.parse(search.out) as { results: { id: string }[] }).results.map((r) => r.id);
    expect(hits).toContain('alice/digits-head');
    expect(hits).not.toContain('modelhub/ppocr-rec');
  });

  it('refuses a head whose cached base was corrupted, pointing to hub verify --repair, not to retraining', async () => {
    const cacheDir = join(work, 'cache-corrupt-base');
    const global = ['--endpoint', registryA.url, '--cache-dir', cacheDir];
    const first = await fromPretrained('alice/digits-head', { endpoint: registryA.url, cacheDir, env: {} });
    const baseCommit = first.kind === 'classifier' ? first.base.commit : '';
    await first.dispose();
    // 4 bytes changed in place in the base's model.onnx blob (same size, same inode).
    const base = await pull(`modelhub/ppocr-rec@${baseCommit}`, {
      endpoint: registryA.url,
      cacheDir,
      env: {},
      offline: true,
    });
    const blob = resolve(join(base.dir), await readlink(join(base.dir, 'model.onnx')));
    const handle = await open(blob, 'r+');
    await handle.write(Buffer.from([9, 9, 9, 9]), 0, 4, 4096);
    await handle.close();

    const error = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir,
      env: {},
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({
      code: 'INTEGRITY_MISMATCH',
      hint: expect.stringContaining('hub verify --repair modelhub/ppocr-rec') as string,
    });
    expect((error as { hint: string }).hint).not.toMatch(/retrain/i);
    const predict = captureIo();
    expect(await runCli([...global, 'predict', 'alice/digits-head', probes[0]?.file ?? ''], predict)).toBe(3);
    expect(predict.err).toContain('hub verify --repair modelhub/ppocr-rec');
    const evaluation = captureIo();
    const data = join(work, 'eval-sample-corrupt');
    for (const probe of probes.filter((_, i) => i % 10 === 0)) {
      await mkdir(join(data, probe.label), { recursive: true });
      await cp(probe.file, join(data, probe.label, probe.file.split('/').at(-1) ?? 'x.png'));
    }
    expect(await runCli([...global, 'eval', 'alice/digits-head', '--data', data], evaluation)).toBe(3);
    expect(evaluation.err).toContain('hub verify --repair modelhub/ppocr-rec');

    expect(await runCli([...global, 'verify', '--repair', 'modelhub/ppocr-rec'], silent)).toBe(0);
    const repaired = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir,
      env: {},
    });
    expect(await correct(repaired)).toBeGreaterThanOrEqual(80);
    await repaired.dispose();
  });

  it('says what is missing when offline with an empty cache', async () => {
    const message = await codeOf(
      fromPretrained('alice/digits-head', {
        endpoint: registryA.url,
        cacheDir: join(work, 'empty'),
        offline: true,
        env: {},
      }),
    );
    expect(message).toMatch(/^NOT_IN_CACHE: .*alice\/digits-head/);
  });

  it('returns a feature extractor for a backbone', async () => {
    const model = await fromPretrained('ppocr-rec', {
      endpoint: registryA.url,
      cacheDir: join(work, 'cache-bb'),
      env: {},
    });
    try {
      expect(model.kind).toBe('backbone');
      const result = await model.embed([probes[3]?.file ?? '']);
      expect(result.vectors[0]?.length).toBe(model.kind === 'backbone' ? model.dim : -1);
      expect(model.kind === 'backbone' && model.pin.files.some((f) => f.path === 'model.onnx')).toBe(true);
    } finally {
      await model.dispose();
    }
  });

  it('refuses a head whose base model files do not match its pin, naming the file', async () => {
    const cache = join(work, 'cache-tamper');
    const first = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: cache,
      env: {},
    });
    const headDir = first.kind === 'classifier' ? first.head.dir : '';
    await first.dispose();
    const copy = join(work, 'tampered-head');
    await cp(headDir, copy, { recursive: true, dereference: true });
    const manifest = JSON.parse(await readFile(join(copy, 'modelhub.json'), 'utf8')) as HeadManifest;
    const files = manifest.base.files.map((f) =>
      f.path === 'model.onnx' ? { ...f, sha256: '0'.repeat(64) } : f,
    );
    await writeFile(
      join(copy, 'modelhub.json'),
      JSON.stringify({ ...manifest, base: { ...manifest.base, files } }),
    );
    await pushFolder(copy, 'alice/tampered-head', { endpoint: registryA.url, token, env: {} });
    const message = await codeOf(
      fromPretrained('alice/tampered-head', { endpoint: registryA.url, cacheDir: cache, env: {} }),
    );
    expect(message).toMatch(/^INTEGRITY_MISMATCH: .*model\.onnx/);
  });

  it('imports as a user would: from the built @modelhub/cli package, in a plain Node process', async () => {
    // Incremental: a no-op when `npm test` has just built.
    await run(
      process.execPath,
      [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
      {
        cwd: repoRoot,
      },
    );
    const script = join(repoRoot, 'node_modules', '.modelhub-import-check.mjs');
    await writeFile(
      script,
      [
        `import { fromPretrained } from '${cliPackage}';`,
        'const [endpoint, cacheDir, ...files] = process.argv.slice(2);',
        "const model = await fromPretrained('alice/digits-head', { endpoint, cacheDir, env: {} });",
        'const out = await model.predict(files, { topK: 1 });',
        'await model.dispose();',
        'console.log(JSON.stringify(out.map((p) => p.top[0].label)));',
      ].join('\n'),
    );
    try {
      const { stdout } = await run(
        process.execPath,
        [script, registryA.url, join(work, 'cache-built'), ...probes.map((p) => p.file)],
        {
          cwd: tmpdir(),
        },
      );
      const labels = JSON.parse(stdout) as string[];
      expect(labels.filter((l, i) => l === probes[i]?.label).length).toBeGreaterThanOrEqual(80);
    } finally {
      await rm(script, { force: true });
    }
  });
});

/**
 * The probabilities of a fused export (`hub export`) for one decoded image: the image and its
 * valid (unpadded) size, as the fused graph's masked pooling takes them.
 */
async function fusedProbs(session: ort.InferenceSession, image: DecodedImage): Promise<Float32Array> {
  const result = await session.run({
    x: new ort.Tensor('float32', image.data, [1, ...image.dims]),
    valid_size: new ort.Tensor('float32', new Float32Array([image.valid.height, image.valid.width]), [1, 2]),
  });
  return result['probs']?.data as Float32Array;
}

describe('hub export', () => {
  it('fuses backbone, masked pooling and head into one ONNX file that plain onnxruntime runs to the same probabilities (20 images, 1e-5)', async () => {
    const cache = join(work, 'cache-export');
    const out = join(work, 'digits.onnx');
    const args = [
      '--endpoint',
      registryA.url,
      '--cache-dir',
      cache,
      '--quiet',
      'export',
      'alice/digits-head',
      '--out',
      out,
    ];
    expect(await runCli(args, silent)).toBe(0);
    const fused = readOnnxModel(new Uint8Array(await readFile(out)));
    expect(fused.graph.outputs.map((o) => o.name)).toEqual(['logits', 'probs']);
    expect(JSON.parse(fused.metadata.get('labels') ?? '[]')).toEqual(fx.digits.labels);
    const spec = JSON.parse(fused.metadata.get('modelhub.preprocessing') ?? '{}') as PreprocessSpec;
    const feature = JSON.parse(fused.metadata.get('modelhub.feature') ?? '{}') as HeadManifest['feature'];
    // The head pools only the steps covering each digit, so the fused model takes their size too;
    // the cross-validated choice joined the backbone's map on a grid, which the file computes too.
    expect(feature.mask?.rule).toBe('receptive-field-centre');
    expect(feature.views?.map((v) => [v.pooling, v.mask?.rule])).toEqual([
      ['grid', 'receptive-field-centre'],
    ]);
    expect(fused.graph.inputs.map((i) => i.name)).toEqual(['x', 'valid_size']);

    const model = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: cache,
      env: {},
    });
    const session = await ort.InferenceSession.create(out);
    try {
      const sample = probes.filter((_, i) => i % 10 < 2);
      expect(sample).toHaveLength(20);
      const expected =
        model.kind === 'classifier'
          ? await model.predict(
              sample.map((p) => p.file),
              { topK: 10 },
            )
          : [];
      let worst = 0;
      for (const [i, probe] of sample.entries()) {
        const probs = await fusedProbs(session, await decodeImage(probe.file, spec));
        expect(expected[i]?.top).toHaveLength(10);
        for (const { index, score } of expected[i]?.top ?? []) {
          worst = Math.max(worst, Math.abs((probs[index] ?? Number.NaN) - score));
        }
      }
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.release();
      await model.dispose();
    }
  });

  it('applies a pinned tap, pooling and own-width padding everywhere: predict, eval and the fused export agree', async () => {
    const cache = join(work, 'cache-tight');
    const head = join(work, 'head-tight');
    const global = ['--endpoint', registryA.url, '--cache-dir', cache, '--quiet'];
    const pins = ['--tap', 'p2o.Concat.8', '--pooling', 'meanmax', '--padding', 'tight', '--c', '10'];
    const trainIo = captureIo();
    expect(
      await runCli(
        [
          ...global,
          '--json',
          'train',
          '--base',
          'ppocr-rec',
          '--data',
          join(work, 'data'),
          '--out',
          head,
          ...pins,
        ],
        trainIo,
      ),
    ).toBe(0);
    const report = JSON.parse(trainIo.out) as {
      feature: HeadManifest['feature'];
      selection: { chosen: object };
    };
    expect(report.feature).toMatchObject({ tensor: 'p2o.Concat.8', pooling: 'meanmax', dim: 1920 });
    expect(report.selection.chosen).toMatchObject({ padding: 'tight', c: 10, masked: true });
    const manifest = JSON.parse(await readFile(join(head, 'modelhub.json'), 'utf8')) as HeadManifest;
    const preprocessing = requireImageSpec(manifest.preprocessing, 'test');
    expect(preprocessing.pad).toMatchObject({ width: 320, multiple: 8 });

    // predict, through the CLI, and eval on the same images
    const sample = probes.filter((_, i) => i % 10 < 2);
    const predictIo = captureIo();
    expect(
      await runCli(
        [...global, '--json', 'predict', head, ...sample.map((p) => p.file), '--top', '10'],
        predictIo,
      ),
    ).toBe(0);
    const predicted = (
      JSON.parse(predictIo.out) as {
        predictions: Array<{ top: Array<{ label: string; index: number; score: number }> }>;
      }
    ).predictions;
    const evalData = join(work, 'eval-tight');
    for (const probe of sample) {
      await mkdir(join(evalData, probe.label), { recursive: true });
      await cp(probe.file, join(evalData, probe.label, probe.file.split('/').at(-1) ?? 'x.png'));
    }
    const evalIo = captureIo();
    expect(await runCli([...global, '--json', 'eval', head, '--data', evalData], evalIo)).toBe(0);
    const evaluation = JSON.parse(evalIo.out) as { metrics: { accuracy: number; count: number } };
    const top1 = predicted.filter((p, i) => p.top[0]?.label === sample[i]?.label).length;
    expect(evaluation.metrics).toMatchObject({ count: 20, accuracy: top1 / 20 });

    // the fused graph: each image at its own width, with its real size
    const out = join(work, 'digits-tight.onnx');
    expect(await runCli([...global, 'export', head, '--out', out], silent)).toBe(0);
    const session = await ort.InferenceSession.create(out);
    try {
      let worst = 0;
      for (const [i, probe] of sample.entries()) {
        const image = await decodeImage(probe.file, preprocessing);
        expect(image.dims).toEqual([3, 48, 48]);
        const probs = await fusedProbs(session, image);
        for (const { index, score } of predicted[i]?.top ?? []) {
          worst = Math.max(worst, Math.abs((probs[index] ?? Number.NaN) - score));
        }
      }
      expect(worst).toBeLessThan(1e-5);
    } finally {
      await session.release();
    }
  });

  it('runs the file on the probe input before writing it, and writes nothing when it does not compute the head', async () => {
    const options = { endpoint: registryA.url, cacheDir: join(work, 'cache-export'), env: {} };
    const good = join(work, 'checked.onnx');
    const result = await exportHead('alice/digits-head', good, options);
    expect(result.check.probe).toBe(PROBE_ID);
    expect(result.check.probabilityDifference).toBeLessThan(1e-5);
    expect(describeExport(result)).toMatch(/checked: onnxruntime runs the file on the head's probe input/);
    expect((await readdir(work)).filter((f) => f.includes('.partial'))).toEqual([]);

    // A fuser that got the head wrong: the real fused graph, with the head's first bias moved by 3.
    const headDir = join(work, 'head');
    const artifact = await readHeadArtifact(headDir);
    const wrongHead = buildHeadModel({
      normalize: artifact.normalize,
      layers: artifact.layers.map((l, i) =>
        i === artifact.layers.length - 1 ? { ...l, bias: l.bias.map((b, j) => (j === 0 ? b + 3 : b)) } : l,
      ),
      labels: artifact.labels,
      metadata: {},
    });
    const wrongFuser: ModelAdapter = {
      ...onnxAdapter,
      fuseHead: async (dir, _head, o) =>
        (onnxAdapter.fuseHead ?? (() => Promise.reject(new Error('no fuser'))))(dir, wrongHead, o),
    };
    const bad = join(work, 'wrong.onnx');
    const error = await exportHead(headDir, bad, {
      ...options,
      adapters: { ...adapterModules, onnx: () => Promise.resolve(wrongFuser) },
    }).catch((e: unknown) => e);
    expect(isModelhubError(error) && error.code).toBe('EXPORT_MISMATCH');
    expect(String(error)).toMatch(
      /on modelhub's probe image its probabilities are up to 0\.\d+ and its logits up to \d+% away from the head's .*Nothing was written to/,
    );
    await expect(readFile(bad)).rejects.toThrow(/ENOENT/);
    expect((await readdir(work)).filter((f) => f.includes('.partial'))).toEqual([]);
  });

  it('exports the head alone for a TF.js backbone, and says so', async () => {
    const data = join(work, 'tiny');
    for (const label of ['3', '8']) {
      await mkdir(join(data, label), { recursive: true });
      for (const file of (await readdir(join(fx.digits.train, label))).slice(0, 3)) {
        await cp(join(fx.digits.train, label, file), join(data, label, file));
      }
    }
    const head = join(work, 'tfjs-head');
    const global = ['--endpoint', registryA.url, '--cache-dir', join(work, 'cache-tfjs'), '--quiet'];
    expect(
      await runCli(
        [...global, 'train', '--base', 'mobilenet', '--data', data, '--out', head, '--val-fraction', '0.34'],
        silent,
      ),
    ).toBe(0);
    let text = '';
    const io: Io = { stdout: (s) => (text += s), stderr: () => undefined };
    expect(await runCli([...global, 'export', head, '--out', join(work, 'tfjs-head.onnx')], io)).toBe(0);
    expect(text).toMatch(/the head only, features in/);
    expect(text).toMatch(/tfjs-layers model, which cannot be turned into ONNX here/);
    // names the head itself: its embed() pools as the head was trained, the bare layer may not
    expect(text).toContain(`compute it with (await fromPretrained('${head}')).embed(images)`);
    // run by onnxruntime on the probe image's features before it was written: it computes the head
    expect(text).toMatch(
      /checked: onnxruntime runs the file on the probe input's features to the head's outputs \(largest difference \d\.\de-\d+ in probabilities, \d\.\de-\d+ in logits\)/,
    );
    const session = await ort.InferenceSession.create(join(work, 'tfjs-head.onnx'));
    expect(session.inputNames).toEqual(['features']);
    await session.release();
  });
});

// Last: it stops the first registry that the tests above use.
describe('mirroring', () => {
  it('loads from a second registry after mirroring by bundle, with the first one gone', async () => {
    const cacheA = join(work, 'cache-mirror-src');
    const source = await fromPretrained('alice/digits-head', {
      endpoint: registryA.url,
      cacheDir: cacheA,
      env: {},
    });
    const base = source.kind === 'classifier' ? source.base : undefined;
    const expected = await correct(source);
    await source.dispose();
    const tarFile = join(work, 'mirror.tar');
    await createBundle(['alice/digits-head', `${base?.repo ?? ''}@${base?.commit ?? ''}`], tarFile, {
      endpoint: registryA.url,
      cacheDir: cacheA,
      env: {},
    });
    await registryA.close();
    closedA = true;

    const registryB = await startTestRegistry();
    try {
      const tokenB = await registryB.createToken('alice', true);
      const cacheB = join(work, 'cache-mirror-dst');
      const imported = await importBundle(tarFile, { endpoint: registryB.url, cacheDir: cacheB, env: {} });
      const head = imported.models.find((m) => m.repo === 'alice/digits-head');
      expect(head).toBeDefined();
      const local = await pull(`alice/digits-head@${head?.commit ?? ''}`, {
        endpoint: registryB.url,
        cacheDir: cacheB,
        offline: true,
        env: {},
      });
      // Publish the head on the second registry; its base stays pinned by commit and hashes.
      await pushFolder(local.dir, 'alice/digits-head', { endpoint: registryB.url, token: tokenB, env: {} });
      const mirrored = await fromPretrained('alice/digits-head', {
        endpoint: registryB.url,
        cacheDir: cacheB,
        env: {},
      });
      expect(await correct(mirrored)).toBe(expected);
      await mirrored.dispose();
    } finally {
      await registryB.close();
    }
  });
});
