// Benchmark: `hub predict` with a trained head as users time it (one fresh process of the built
// launcher per command, compile cache warm) against the least code a user writes without
// modelhub: a plain Node script that decodes, resizes, pads and normalises with sharp and runs the
// ONNX file `hub export` wrote with onnxruntime-node. Same images, the same PaddleOCR rec digits
// head (5 fixture digits per class), contenders alternating within each round, medians over rounds.
// Both print their top label for each image and must agree, or the benchmark stops.
//
//   npm run build && node scripts/bench/predict-process.ts      (~1 min on a quiet 2-core machine)
//   BENCH_RUNS=9 (rounds)   BENCH_BATCH=20 (images of the second comparison)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

import { median, runFromSources } from './bench-kit.ts';

runFromSources(import.meta.filename);

const root = resolve(import.meta.dirname, '..', '..');
const launcher = join(root, 'packages', 'cli', 'bin', 'hub.js');
const runs = Number(process.env['BENCH_RUNS'] ?? 9);
const batch = Number(process.env['BENCH_BATCH'] ?? 20);

if (!existsSync(join(root, 'packages', 'cli', 'dist', 'bundle', 'hub.js'))) {
  console.error('The CLI is not built: run `npm run build` first.');
  process.exit(1);
}

const { ensureFixtures } = await import('@modelhub/testing');
const fx = await ensureFixtures();
const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-predict-'));
const env = { ...process.env, HUB_CACHE: join(work, 'cache'), HUB_OFFLINE: '1' };

/** Runs a process to its end; its wall time, stdout and exit code. */
function run(args: readonly string[]): Promise<{ ms: number; out: string; code: number }> {
  return new Promise((done, fail) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (b: Buffer) => (out += b.toString()));
    child.on('error', fail);
    child.on('close', (code) => done({ ms: performance.now() - t0, out, code: code ?? 1 }));
  });
}

/**
 * What a user writes with onnxruntime-node and sharp for the exported file of a PaddleOCR rec head
 * (see README, "hub export"): BGR, height 48 by bilinear resize keeping the aspect ratio, x/127.5-1,
 * padded with zeros on the right to the head's width, and the real size as `valid_size`.
 */
const baselineScript = `
import { createRequire } from 'node:module';
const require = createRequire(${JSON.stringify(join(root, 'packages', 'vision', 'package.json'))});
const sharp = require('sharp');
const ort = require('onnxruntime-node');
const [model, ...files] = process.argv.slice(2);
const session = await ort.InferenceSession.create(model);
for (const file of files) {
  const { data, info } = await sharp(file).flatten({ background: '#ffffff' }).removeAlpha().toColourspace('srgb')
    .resize({ height: 48, width: 320, fit: 'inside', kernel: 'linear' }).raw().toBuffer({ resolveWithObject: true });
  const H = 48, W = PAD_WIDTH ?? Math.ceil(info.width / 8) * 8;
  const x = new Float32Array(3 * H * W);
  for (let y = 0; y < info.height; y++) for (let c = 0; c < 3; c++) for (let i = 0; i < info.width; i++)
    x[c * H * W + y * W + i] = data[(y * info.width + i) * 3 + (2 - c)] / 127.5 - 1;
  const feeds = { x: new ort.Tensor('float32', x, [1, 3, H, W]) };
  if (session.inputNames.includes('valid_size')) feeds.valid_size = new ort.Tensor('float32', Float32Array.of(info.height, info.width), [1, 2]);
  const probs = (await session.run(feeds)).probs.data;
  let best = 0;
  for (let k = 1; k < probs.length; k++) if (probs[k] > probs[best]) best = k;
  console.log(LABELS[best]);
}
`;

try {
  // The head: 5 fixture digits per class on the local PaddleOCR rec folder, as the README trains it.
  const data = join(work, 'data');
  for (const label of fx.digits.labels) {
    await mkdir(join(data, label), { recursive: true });
    for (const file of (await readdir(join(fx.digits.train, label))).sort().slice(0, 5)) {
      await cp(join(fx.digits.train, label, file), join(data, label, file));
    }
  }
  const head = join(work, 'head');
  const recDir = fx.models['ppocr-rec'].dir;
  const trained = await run([launcher, '--quiet', 'train', '--base', recDir, '--data', data, '--out', head]);
  const fused = join(work, 'digits.onnx');
  const exported = await run([launcher, '--quiet', 'export', head, '--out', fused]);
  if (trained.code !== 0 || exported.code !== 0) {
    throw new Error('hub train or hub export failed');
  }
  const manifest = JSON.parse(await readFile(join(head, 'modelhub.json'), 'utf8')) as {
    labels: string[];
    preprocessing: { pad: { width: number } | null };
  };
  const script = join(work, 'baseline.mjs');
  await writeFile(
    script,
    baselineScript
      .replace('PAD_WIDTH', JSON.stringify(manifest.preprocessing.pad?.width ?? null))
      .replace('LABELS', JSON.stringify(manifest.labels)),
  );

  const images: string[] = [];
  for (const label of fx.digits.labels) {
    for (const file of (await readdir(join(fx.digits.test, label))).sort().slice(0, 2)) {
      images.push(join(fx.digits.test, label, file));
    }
  }
  const cases = [
    { name: 'one image', files: images.slice(0, 1) },
    { name: `${batch} images`, files: images.slice(0, batch) },
  ];
  const labelsOf = (out: string, files: readonly string[]): string[] =>
    files.map(
      (f) => /: "([^"]+)"/.exec(out.split('\n').find((l) => l.startsWith(`${f}:`)) ?? '')?.[1] ?? '?',
    );

  console.log(
    `hub predict vs a plain onnxruntime-node + sharp script on the exported file, fresh processes, median of ${runs} rounds (1-min load ${loadavg()[0]?.toFixed(1)})`,
  );
  for (const c of cases) {
    // Warm both (compile cache, derived tap model, page cache), and check they agree.
    const hubRun = await run([launcher, 'predict', head, ...c.files, '--top', '1']);
    const rawRun = await run([script, fused, ...c.files]);
    const hubLabels = labelsOf(hubRun.out, c.files);
    const rawLabels = rawRun.out.trim().split('\n');
    if (hubRun.code !== 0 || rawRun.code !== 0 || hubLabels.join() !== rawLabels.join()) {
      throw new Error(`the two disagree on ${c.name}: hub ${hubLabels.join()} vs script ${rawLabels.join()}`);
    }
    const hubMs: number[] = [];
    const rawMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      const pair = [
        async () => hubMs.push((await run([launcher, 'predict', head, ...c.files, '--top', '1'])).ms),
        async () => rawMs.push((await run([script, fused, ...c.files])).ms),
      ];
      for (const step of i % 2 === 0 ? pair : pair.reverse()) {
        await step();
      }
    }
    const h = median(hubMs);
    const r = median(rawMs);
    console.log(
      `  ${c.name.padEnd(10)} hub predict ${(h / 1000).toFixed(2)} s   script ${(r / 1000).toFixed(2)} s   ratio ${(h / r).toFixed(2)}×   (same top labels)`,
    );
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
