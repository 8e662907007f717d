// Head fitting speed and quality vs scikit-learn's LogisticRegression, on the same cached features.
//
//   node scripts/bench/trainer-sklearn.ts [--features ppocr-rec|pixels] [--n 5,10,100] [--repeats 7]
//
// Baseline: Debian's /usr/bin/python3 with python3-sklearn (installed with apt-get when missing):
// StandardScaler + LogisticRegression(C=1, lbfgs, tol=1e-4) — the same objective as our linear head
// (z-scored features, mean cross-entropy + ‖W‖²/(2·C·n)). Both fit on N digits per class drawn from
// the fixture training pool with a fixed seed and are scored on the 1000 held-out digits.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import type { FeatureExtractor, ModelAdapter } from '@modelhub/core';
import type { Dataset, LabelledFeatures, TrainedHead } from '@modelhub/trainer';

// Sibling packages resolve to their sources only under the "@modelhub/source" condition.
if (!process.execArgv.some((a) => a.includes('@modelhub/source'))) {
  const child = spawnSync(
    process.execPath,
    ['--conditions=@modelhub/source', ...process.execArgv, import.meta.filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const { ensureFixtures } = await import('@modelhub/testing');
const trainer = await import('@modelhub/trainer');

const { values } = parseArgs({
  options: {
    features: { type: 'string', default: 'ppocr-rec' },
    n: { type: 'string', default: '5,10,100' },
    repeats: { type: 'string', default: '7' },
    seed: { type: 'string', default: '1' },
  },
});
const sizes = values.n.split(',').map(Number);
const repeats = Number(values.repeats);
const seed = Number(values.seed);
const python = '/usr/bin/python3';
const root = resolve(import.meta.dirname, '../..');

function ensureSklearn(): void {
  const probe = spawnSync(python, ['-c', 'import sklearn, numpy; print(sklearn.__version__)'], {
    encoding: 'utf8',
  });
  if (probe.status === 0) {
    return;
  }
  console.log('installing python3-sklearn with apt-get …');
  const apt = spawnSync('apt-get', ['install', '-y', 'python3-sklearn'], { stdio: 'inherit' });
  if (apt.status !== 0) {
    throw new Error('apt-get install -y python3-sklearn failed; install it and run again');
  }
}

async function loadExtractor(
  name: string,
  fx: Awaited<ReturnType<typeof ensureFixtures>>,
): Promise<FeatureExtractor> {
  if (name === 'pixels') {
    return trainer.rawPixelExtractor(28);
  }
  if (name === 'ppocr-rec') {
    const adapterModule = (await import('@modelhub/adapter-onnx')) as Record<string, unknown>;
    const createAdapter = adapterModule['createOnnxAdapter'] as (() => ModelAdapter) | undefined;
    const adapter = createAdapter?.() ?? (adapterModule['onnxAdapter'] as ModelAdapter | undefined);
    if (adapter === undefined) {
      throw new Error('@modelhub/adapter-onnx exports no ONNX adapter yet; run with --features pixels');
    }
    const workDir = join(root, '.bench', 'work');
    await mkdir(workDir, { recursive: true });
    return adapter.loadFeatureExtractor(fx.models['ppocr-rec'].dir, {
      modelId: 'fixtures/ppocr-rec',
      workDir,
    });
  }
  throw new Error(`unknown --features ${name}`);
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? NaN;
};

ensureSklearn();
const fx = await ensureFixtures();
const extractor = await loadExtractor(values.features, fx);
const cache = new trainer.FeatureCache(join(root, '.bench', 'features.sqlite'));
const pool = await trainer.scanDataset(fx.digits.train);
const test = await trainer.scanDataset(fx.digits.test);
const labels = test.labels;
const labelIndex = new Map(labels.map((l, i) => [l, i]));

async function matrix(ds: Dataset): Promise<LabelledFeatures> {
  const { vectors } = await trainer.embedItems(ds.items, extractor, { cache });
  return trainer.stackFeatures(
    vectors.map((v) => v ?? new Float32Array(extractor.dim)),
    ds.items.map((i) => labelIndex.get(i.label) ?? 0),
    ds.items.map((_, i) => i),
    extractor.dim,
  );
}

const testSet = await matrix(test);
const dir = await mkdtemp(join(tmpdir(), 'bench-trainer-'));
await writeFile(join(dir, 'test_x.f32'), testSet.features);
await writeFile(join(dir, 'test_y.i32'), testSet.targets);
const py = `
import sys, time, json, numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
d, dim, repeats = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def load(name):
    x = np.fromfile(f"{d}/{name}_x.f32", dtype=np.float32).reshape(-1, dim).astype(np.float64)
    y = np.fromfile(f"{d}/{name}_y.i32", dtype=np.int32)
    return x, y
xt, yt = load("test")
out = {}
for name in sys.argv[4:]:
    x, y = load(name)
    times = []
    cpu = []
    for _ in range(repeats):
        clf = make_pipeline(StandardScaler(), LogisticRegression(C=1.0, max_iter=1000, tol=1e-4))
        t = time.perf_counter(); c = time.process_time(); clf.fit(x, y)
        times.append((time.perf_counter() - t) * 1000); cpu.append((time.process_time() - c) * 1000)
    out[name] = {"cold": times[0], "median": float(np.median(times)), "cpu": float(np.median(cpu)),
                 "acc": float((clf.predict(xt) == yt).mean()),
                 "iters": int(clf[-1].n_iter_[0])}
print(json.dumps(out))
`;
await writeFile(join(dir, 'fit.py'), py);

interface Row {
  n: number;
  ours: { cold: number; median: number; cpu: number; acc: number; iters: number };
}
const rows: Row[] = [];
for (const n of sizes) {
  const subset = trainer.subsetPerClass(pool, n, seed);
  const train = await matrix(subset);
  await writeFile(join(dir, `n${n}_x.f32`), train.features);
  await writeFile(join(dir, `n${n}_y.i32`), train.targets);
  const times: number[] = [];
  const cpu: number[] = [];
  let head: TrainedHead | undefined;
  for (let r = 0; r < repeats; r++) {
    const t = performance.now();
    const c = process.cpuUsage();
    head = trainer.trainHead(train, undefined, extractor.dim, labels.length, { seed });
    times.push(performance.now() - t);
    const used = process.cpuUsage(c);
    cpu.push((used.user + used.system) / 1000);
  }
  if (head === undefined) {
    throw new Error('no fit');
  }
  const acc = trainer.scoreHead(head, testSet, labels).accuracy;
  rows.push({
    n,
    ours: { cold: times[0] ?? NaN, median: median(times), cpu: median(cpu), acc, iters: head.history.length },
  });
}
const sk = spawnSync(
  python,
  [join(dir, 'fit.py'), dir, String(extractor.dim), String(repeats), ...sizes.map((n) => `n${n}`)],
  {
    encoding: 'utf8',
  },
);
if (sk.status !== 0) {
  throw new Error(`scikit-learn run failed:\n${sk.stderr}`);
}
const skOut = JSON.parse(sk.stdout) as Record<
  string,
  { cold: number; median: number; cpu: number; acc: number; iters: number }
>;
await rm(dir, { recursive: true, force: true });
cache.close();
await extractor.dispose();

console.log(
  `features: ${extractor.modelId} (${extractor.tap.tensor}, ${extractor.dim}-d); test: ${testSet.rows} digits; seed ${seed}; ${repeats} fits each`,
);
console.log(
  `${'N/class'.padEnd(8)} ${'ours acc'.padStart(9)} ${'sk acc'.padStart(8)} ${'Δ pts'.padStart(6)} | ${'ours ms'.padStart(8)} ${'sk ms'.padStart(8)} ${'sk/ours'.padStart(8)} | ${'cpu ours'.padStart(8)} ${'cpu sk'.padStart(8)} ${'ratio'.padStart(6)} | ${'cold ours'.padStart(9)} ${'cold sk'.padStart(8)} | iters ours/sk`,
);
for (const r of rows) {
  const s = skOut[`n${r.n}`];
  if (s === undefined) {
    continue;
  }
  console.log(
    `${String(r.n).padEnd(8)} ${(100 * r.ours.acc).toFixed(1).padStart(8)}% ${(100 * s.acc).toFixed(1).padStart(7)}% ${(100 * (r.ours.acc - s.acc)).toFixed(1).padStart(6)} | ${r.ours.median.toFixed(2).padStart(8)} ${s.median.toFixed(2).padStart(8)} ${(s.median / r.ours.median).toFixed(2).padStart(7)}× | ${r.ours.cpu.toFixed(2).padStart(8)} ${s.cpu.toFixed(2).padStart(8)} ${(s.cpu / r.ours.cpu).toFixed(2).padStart(5)}× | ${r.ours.cold.toFixed(2).padStart(9)} ${s.cold.toFixed(2).padStart(8)} | ${r.ours.iters}/${s.iters}`,
  );
}
console.log(
  'ms = median wall-clock fit time; cpu = median CPU time of the fitting process (all threads; steadier on a busy machine).',
);
console.log('sk/ours > 1 means our fit is faster. Accuracy target: within 1 point; speed target: ratio ≥ 1.');
