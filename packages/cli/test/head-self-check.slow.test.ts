import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { PROBE_ID, PROBE_TOLERANCE } from '@modelhub/core';
import { captureIo, ensureFixtures, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { fromPretrained } from '../src/index.ts';
import { runCli } from '../src/program.ts';

// The self-check of a head, end to end on PaddleOCR rec: `hub train` records what a fixed
// synthetic image gives through the load path, and every later load (`hub predict`,
// fromPretrained) compares. The drift tested here is the classic one, a head whose preprocessing
// differs from the one it was trained with (ImageNet mean/std instead of PaddleOCR's ±1 scaling).

let registry: TestRegistry;
let work: string;
let head: string;
let digit: string;
let global: string[];

interface Manifest {
  labels: string[];
  preprocessing: { normalize: { mean: number[]; std: number[] } | null };
  check?: { probe: string; features: number[]; probabilities: number[] };
}

const readManifest = async (dir: string): Promise<Manifest> =>
  JSON.parse(await readFile(join(dir, 'modelhub.json'), 'utf8')) as Manifest;

/** A copy of the trained head with its manifest changed by `edit`. */
async function variant(name: string, edit: (m: Manifest) => void): Promise<string> {
  const dir = join(work, name);
  await cp(head, dir, { recursive: true });
  const manifest = await readManifest(dir);
  edit(manifest);
  await writeFile(join(dir, 'modelhub.json'), JSON.stringify(manifest, null, 2));
  return dir;
}

async function hub(args: readonly string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli([...global, ...args], io);
  return { code, out: io.out, err: io.err };
}

beforeAll(async () => {
  const fx = await ensureFixtures();
  registry = await startTestRegistry({ seed: true });
  work = await mkdtemp(join(tmpdir(), 'modelhub-self-check-'));
  const data = join(work, 'data');
  for (const label of fx.digits.labels.slice(0, 4)) {
    await mkdir(join(data, label), { recursive: true });
    for (const file of (await readdir(join(fx.digits.train, label))).sort().slice(0, 5)) {
      await cp(join(fx.digits.train, label, file), join(data, label, file));
    }
  }
  digit = join(data, '1', (await readdir(join(data, '1'))).sort()[0] ?? '');
  head = join(work, 'head');
  global = ['--endpoint', registry.url, '--cache-dir', join(work, 'cache')];
  const trained = await hub(['--quiet', 'train', '--base', 'ppocr-rec', '--data', data, '--out', head]);
  expect(trained.code, trained.err).toBe(0);
});

afterAll(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

describe('a head’s self-check', () => {
  it('hub train records the probe’s feature sketch and probabilities through the load path', async () => {
    const manifest = await readManifest(head);
    expect(manifest.check?.probe).toBe(PROBE_ID);
    expect(manifest.check?.features).toHaveLength(16);
    expect(manifest.check?.probabilities).toHaveLength(manifest.labels.length);
    const total = (manifest.check?.probabilities ?? []).reduce((a, b) => a + b, 0);
    expect(total).toBeCloseTo(1, 4);
  });

  it('passes where nothing changed: hub predict warns nothing, fromPretrained reports no drift', async () => {
    const predicted = await hub(['predict', head, digit]);
    expect(predicted.code, predicted.err).toBe(0);
    expect(predicted.err).toBe('');
    const evaluated = await hub(['--json', 'eval', head, '--data', join(work, 'data')]);
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(evaluated.err).not.toContain('self-check');
    expect((JSON.parse(evaluated.out) as { selfCheck?: { same: boolean } }).selfCheck?.same).toBe(true);
    const clf = await fromPretrained(head, {
      endpoint: registry.url,
      cacheDir: join(work, 'cache'),
      env: {},
    });
    try {
      expect(clf.kind).toBe('classifier');
      if (clf.kind === 'classifier') {
        expect(clf.selfCheck?.same).toBe(true);
        expect(clf.selfCheck?.featureDrift).toBeLessThan(PROBE_TOLERANCE / 10);
        expect(clf.selfCheck?.warning).toBeUndefined();
      }
    } finally {
      await clf.dispose();
    }
  });

  it('flags a head whose preprocessing differs from training, and still predicts', async () => {
    const drifted = await variant('imagenet-normalized', (m) => {
      m.preprocessing.normalize = { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };
    });
    const predicted = await hub(['predict', drifted, digit]);
    expect(predicted.code, predicted.err).toBe(0);
    expect(predicted.out).toMatch(/"1" 0\.\d{4}/);
    expect(predicted.err).toMatch(
      /^warning: the head's self-check differs on this machine: its fixed probe input gives features \d+(\.\d+)?% away .*preprocessing or runtime differs here/m,
    );

    const warned = new Promise<Error & { code?: string }>((resolve) => process.once('warning', resolve));
    const clf = await fromPretrained(drifted, {
      endpoint: registry.url,
      cacheDir: join(work, 'cache'),
      env: {},
    });
    try {
      if (clf.kind !== 'classifier') {
        throw new Error('expected a classifier');
      }
      expect(clf.selfCheck?.same).toBe(false);
      expect(clf.selfCheck?.featureDrift).toBeGreaterThan(0.01);
      expect((await warned).code).toBe('MODELHUB_HEAD_CHECK');
    } finally {
      await clf.dispose();
    }
    const seen: Array<{ code: string; message: string }> = [];
    const app = await fromPretrained(drifted, {
      endpoint: registry.url,
      cacheDir: join(work, 'cache'),
      env: {},
      onWarning: (w) => seen.push(w),
    });
    await app.dispose();
    expect(seen).toEqual([
      { code: 'HEAD_CHECK', message: expect.stringContaining('self-check differs') as string },
    ]);

    // hub eval measures on this machine and says why its figures may differ from training's
    const evaluated = await hub(['--json', 'eval', drifted, '--data', join(work, 'data')]);
    expect(evaluated.code, evaluated.err).toBe(0);
    expect(evaluated.err).toMatch(/^warning: the head's self-check differs on this machine/m);
    const report = JSON.parse(evaluated.out) as { selfCheck?: { same: boolean; featureDrift: number } };
    expect(report.selfCheck?.same).toBe(false);
    expect(report.selfCheck?.featureDrift).toBeGreaterThan(0.01);
    // hub export writes a file that computes the head as loaded here, and warns the same way
    const exported = await hub(['export', drifted, '--out', join(work, 'drifted.onnx')]);
    expect(exported.code, exported.err).toBe(0);
    expect(exported.out).toMatch(/^checked: onnxruntime runs the file on the head's probe input/m);
    expect(exported.err).toMatch(/^warning: the head's self-check differs on this machine/m);
  });

  it('hub inspect of a head gives its base, tap and metrics, and runs the self-check here', async () => {
    const same = await hub(['inspect', head]);
    expect(same.code, same.err).toBe(0);
    expect(same.out).toMatch(
      /^base {6}modelhub\/ppocr-rec@[0-9a-f]{12} on http:.* pinned by sha256, verified\)$/m,
    );
    expect(same.out).toMatch(/^metrics {3}accuracy [01]\.\d{3} on 20 images \(cross-validated\)$/m);
    expect(same.out).toMatch(
      /^check {5}self-check passes here: features 0\.0% and probabilities 0\.0000 from training$/m,
    );
    expect(same.out).not.toMatch(/does not take one float image tensor/);

    const drifted = join(work, 'imagenet-normalized');
    const json = await hub(['--json', 'inspect', drifted]);
    expect(json.code, json.err).toBe(0);
    expect(JSON.parse(json.out)).toMatchObject({
      kind: 'head',
      modality: 'image',
      labels: ['0', '1', '2', '3'],
      selfCheck: {
        recorded: true,
        same: false,
        warning: expect.stringContaining('self-check differs') as string,
      },
    });
  });

  it('skips heads that recorded no check (made before it existed)', async () => {
    const old = await variant('no-check', (m) => {
      delete m.check;
    });
    const predicted = await hub(['predict', old, digit]);
    expect(predicted.code, predicted.err).toBe(0);
    expect(predicted.err).toBe('');
    expect((await hub(['inspect', old])).out).toMatch(/^check {5}no self-check recorded/m);
    const clf = await fromPretrained(old, { endpoint: registry.url, cacheDir: join(work, 'cache'), env: {} });
    try {
      expect(clf.kind === 'classifier' && clf.selfCheck).toBeUndefined();
    } finally {
      await clf.dispose();
    }
  });
});
