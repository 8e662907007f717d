// The quick start, end to end on this machine with no network: an embedded registry seeded with
// real pretrained models, `hub pull` by alias, `hub train` on 50 digit images, `hub eval` on 1000
// held-out digits next to a raw-pixel baseline, `hub push`, then fromPretrained() from a clean
// cache. Every step runs the real `hub` command (packages/cli/bin/hub.js, built by `npm run demo`).
import { spawn } from 'node:child_process';
import { cp, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { fromPretrained } from '@modelhub/cli';
import {
  embedItems,
  rawPixelExtractor,
  scanDataset,
  scoreHead,
  stackFeatures,
  trainOnDataset,
} from '@modelhub/trainer';

import { ensureFixtures } from '../packages/testing/src/fixtures/ensure-fixtures.ts';

const root = resolve(import.meta.dirname, '..');
const hubBin = join(root, 'packages', 'cli', 'bin', 'hub.js');
const PER_CLASS = 5;
const started = Date.now();
const timings: [string, number][] = [];

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function step(title: string): void {
  console.log(`\n== ${title}`);
}

/** Runs `hub …` with the demo's environment, echoing the command and its output. */
async function hub(args: string[], env: NodeJS.ProcessEnv, show = true): Promise<string> {
  console.log(`$ hub ${args.join(' ')}`);
  const t0 = Date.now();
  const child = spawn(process.execPath, [hubBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  timings.push([`hub ${args.find((a) => !a.startsWith('-')) ?? ''}`, Date.now() - t0]);
  if (code !== 0) {
    throw new Error(`hub ${args.join(' ')} failed with exit code ${code}:\n${err}${out}`);
  }
  if (show) {
    console.log(out.replace(/^/gm, '  ').trimEnd());
  }
  return out;
}

/**
 * The environment every demo command runs in, built from scratch: the shell's HF_TOKEN, HUB_TOKEN,
 * HUB_ENDPOINT, caches or offline switches must not change what the demo does (a huggingface.co
 * token would otherwise meet the demo's own registry).
 */
function demoEnv(work: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const keep = ['PATH', 'LANG', 'LC_ALL', 'TERM', 'SYSTEMROOT', 'TMPDIR', 'TEMP', 'TMP'];
  const env: NodeJS.ProcessEnv = {};
  for (const name of keep) {
    if (process.env[name] !== undefined) {
      env[name] = process.env[name];
    }
  }
  return {
    ...env,
    HOME: join(work, 'home'),
    XDG_CONFIG_HOME: join(work, 'home', '.config'),
    XDG_CACHE_HOME: join(work, 'home', '.cache'),
    HUB_CACHE: join(work, 'cache'),
    ...extra,
  };
}

const fx = await ensureFixtures();
const work = await mkdtemp(join(tmpdir(), 'modelhub-demo-'));
console.log(`modelhub demo — working folder ${work} (removed at the end)`);

step('1. Start a registry seeded with real pretrained models (from npm packages)');
console.log(`$ hub serve --data ${join(work, 'registry')} --port 0 --seed ${fx.seedDir}`);
const server = spawn(
  process.execPath,
  [hubBin, 'serve', '--data', join(work, 'registry'), '--port', '0', '--seed', fx.seedDir],
  { stdio: ['ignore', 'pipe', 'inherit'], env: demoEnv(work, {}) },
);
const serverClosed = new Promise((done) => server.on('close', done));

try {
  const endpoint = await new Promise<string>((done, fail) => {
    const lines = createInterface({ input: server.stdout });
    lines.on('line', (line) => {
      const match = /^listening on (http:\/\/\S+)/.exec(line);
      if (match?.[1] !== undefined) {
        done(match[1]);
      }
    });
    server.on('exit', (code) => fail(new Error(`hub serve exited with code ${String(code)}`)));
  });
  console.log(`  listening on ${endpoint}`);
  const env = demoEnv(work, { HUB_ENDPOINT: endpoint });
  const token = (
    await hub(['token', 'create', '--data', join(work, 'registry'), '--user', 'demo', '--write'], env, false)
  ).trim();
  console.log('  (a write token for user "demo")');

  step('2. Find and pull a pretrained backbone by its short name');
  await hub(['search', 'ppocr'], env);
  await hub(['pull', 'ppocr-rec'], env);

  step(`3. Train a new output layer on ${PER_CLASS * 10} handwritten digits (${PER_CLASS} per class)`);
  const data = join(work, 'digits-50');
  for (const label of fx.digits.labels) {
    await mkdir(join(data, label), { recursive: true });
    for (const file of (await readdir(join(fx.digits.train, label))).slice(0, PER_CLASS)) {
      await cp(join(fx.digits.train, label, file), join(data, label, file));
    }
  }
  const head = join(work, 'digits-head');
  await hub(['train', '--base', 'ppocr-rec', '--data', data, '--out', head, '--seed', '42'], env);

  step('4. Evaluate on 1000 held-out digits, next to the same head on raw pixels');
  const evaluation = JSON.parse(
    await hub(['--json', 'eval', head, '--data', fx.digits.test], env, false),
  ) as {
    metrics: {
      accuracy: number;
      macroF1: number;
      accuracyInterval: { low: number; high: number };
      majorityBaseline: { accuracy: number };
    };
  };
  const pixels = rawPixelExtractor(28);
  const train = await scanDataset(data);
  const test = await scanDataset(fx.digits.test);
  const baseline = await trainOnDataset(train, pixels, { seed: 42, head: 'linear', validationFraction: 0.2 });
  const testVectors = (await embedItems(test.items, pixels, {})).vectors;
  const index = new Map(baseline.labels.map((l, i) => [l, i]));
  const testSet = stackFeatures(
    testVectors.map((v) => v ?? new Float32Array(pixels.dim)),
    test.items.map((i) => index.get(i.label) ?? -1),
    test.items.map((_, i) => i),
    pixels.dim,
  );
  const pixelAccuracy = scoreHead(baseline.head, testSet, baseline.labels).accuracy;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  console.log('  features                              test accuracy (1000 digits)');
  const { low, high } = evaluation.metrics.accuracyInterval;
  console.log(
    `  PaddleOCR text recogniser (transfer)  ${pct(evaluation.metrics.accuracy)}  (95% interval ${pct(low)}–${pct(high)})`,
  );
  console.log(`  raw pixels (no transfer)              ${pct(pixelAccuracy)}`);
  console.log(`  always the most frequent digit        ${pct(evaluation.metrics.majorityBaseline.accuracy)}`);

  step('5. Share the head back to the registry');
  await hub(['push', head, 'demo/digits-head', '--token', token], env);

  step('6. Load it in an app with fromPretrained(), from an empty cache');
  console.log("  const clf = await fromPretrained('demo/digits-head', { endpoint, cacheDir: <empty> })");
  const t0 = Date.now();
  const clf = await fromPretrained('demo/digits-head', {
    endpoint,
    cacheDir: join(work, 'app-cache'),
    env: {},
  });
  if (clf.kind !== 'classifier') {
    throw new Error('expected a classifier');
  }
  const samples = fx.digits.labels.map((label, i) => ({ label, file: '', i }));
  for (const sample of samples) {
    const files = await readdir(join(fx.digits.test, sample.label));
    sample.file = join(fx.digits.test, sample.label, files[sample.i] ?? '');
  }
  const predictions = await clf.predict(
    samples.map((s) => s.file),
    { topK: 1 },
  );
  timings.push(['fromPretrained + predict', Date.now() - t0]);
  predictions.forEach((p, i) => {
    const top = p.top[0];
    console.log(
      `  ${samples[i]?.file.split('/').slice(-2).join('/')}: ${top?.label ?? '?'} (${pct(top?.score ?? 0)}), true ${samples[i]?.label ?? '?'}`,
    );
  });
  console.log(
    `  base model pinned by the head: ${clf.base.repo}@${clf.base.commit.slice(0, 12)}, ${clf.base.files.length} files checked by sha256`,
  );
  const check = clf.selfCheck;
  console.log(
    check === undefined
      ? '  self-check: none recorded'
      : `  self-check: the head's probe image gives ${check.same ? 'the same' : 'DIFFERENT'} features and probabilities as where it was trained (drift ${(100 * check.featureDrift).toFixed(2)}%)`,
  );
  await clf.dispose();

  step('Report');
  console.log(
    `  ${PER_CLASS * 10} training images; transfer ${pct(evaluation.metrics.accuracy)} vs raw pixels ${pct(pixelAccuracy)} on 1000 held-out digits`,
  );
  for (const [what, ms] of timings) {
    console.log(`  ${what.padEnd(28)} ${seconds(ms)}`);
  }
  console.log(`  total                        ${seconds(Date.now() - started)}`);
} finally {
  server.kill('SIGTERM');
  await serverClosed;
  await rm(work, { recursive: true, force: true });
}
