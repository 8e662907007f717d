// TF.js wasm throughput: one worker thread (one single-threaded wasm backend, the baseline) vs two
// (both cores). Same model, same images, same batch size, in one run; rounds alternate between the
// two and medians are reported. Also prints process CPU time, RSS and each worker's live tensor
// count after every round (RSS and tensors should stay flat).
//
//   node scripts/bench/adapter-tfjs-workers.ts [--model mobilenet-v2|mobilenet-v2-mid|inception-v3]
//        [--images 96] [--batch 16] [--rounds 3]
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import sharp from 'sharp';
import { median, runFromSources } from './bench-kit.ts';

runFromSources(import.meta.filename);

const { loadTfjsFeatureExtractor } = await import('@modelhub/adapter-tfjs');
const { ensureFixtures } = await import('@modelhub/testing');

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet-v2' },
    images: { type: 'string', default: '96' },
    batch: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '3' },
  },
});
const modelName = values.model as 'mobilenet-v2' | 'mobilenet-v2-mid' | 'inception-v3';
const count = Number(values.images);
const batchSize = Number(values.batch);
const rounds = Number(values.rounds);

const fx = await ensureFixtures();
const dir = await mkdtemp(join(tmpdir(), 'bench-tfjs-'));
const images: string[] = [];
for (let i = 0; i < count; i++) {
  // 320×240 photos-like noise: decoding and resizing are part of the measured work.
  const raw = Buffer.alloc(320 * 240 * 3);
  for (let p = 0; p < raw.length; p++) {
    raw[p] = (p * 31 + i * 97 + ((p / 960) | 0) * 7) & 255;
  }
  const path = join(dir, `img-${i}.jpg`);
  await writeFile(
    path,
    await sharp(raw, { raw: { width: 320, height: 240, channels: 3 } })
      .jpeg()
      .toBuffer(),
  );
  images.push(path);
}

type Extractor = Awaited<ReturnType<typeof loadTfjsFeatureExtractor>>;

async function open(workers: number): Promise<Extractor> {
  const extractor = await loadTfjsFeatureExtractor(fx.models[modelName].dir, {
    modelId: modelName,
    workDir: dir,
    workers,
    batchSize,
  });
  await extractor.embed(images.slice(0, batchSize * workers)); // warm-up
  return extractor;
}

/** One timed pass over all images: wall seconds and process CPU seconds (all threads). */
async function round(extractor: Extractor, r: number): Promise<{ wall: number; cpu: number }> {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  const result = await extractor.embed(images);
  const wall = (performance.now() - start) / 1000;
  const used = process.cpuUsage(cpuStart);
  const cpu = (used.user + used.system) / 1e6;
  if (result.failures.length > 0) {
    throw new Error(`${result.failures.length} inputs failed`);
  }
  const tensors = (await extractor.workerMemory()).map((m) => m.numTensors).join('/');
  const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
  console.log(
    `  ${extractor.workers} worker(s) round ${r + 1}: ${wall.toFixed(2)} s wall, ${cpu.toFixed(1)} s CPU, ` +
      `RSS ${rss} MiB, worker tensors ${tensors}`,
  );
  return { wall, cpu };
}

console.log(
  `model ${modelName}, ${count} images (320×240 JPEG), batch ${batchSize}, ${rounds} alternating rounds, ` +
    `${availableParallelism()} cores, load average ${loadavg()[0]?.toFixed(1)}, Node ${process.version}`,
);
// Both extractors stay loaded and rounds alternate, so load from other processes hits both alike.
const one = await open(1);
const two = await open(2);
const results: Record<1 | 2, Array<{ wall: number; cpu: number }>> = { 1: [], 2: [] };
try {
  for (let r = 0; r < rounds; r++) {
    results[1].push(await round(one, r));
    results[2].push(await round(two, r));
  }
} finally {
  await one.dispose();
  await two.dispose();
}
const report = (n: 1 | 2, label: string): number => {
  const wall = median(results[n].map((x) => x.wall));
  const cpu = median(results[n].map((x) => x.cpu));
  console.log(
    `${label}: median ${wall.toFixed(2)} s  ${(count / wall).toFixed(1)} img/s  ${((cpu / count) * 1000).toFixed(0)} ms CPU/img`,
  );
  return count / wall;
};
const base = report(1, 'baseline  1 worker  (1 wasm backend) ');
const both = report(2, '          2 workers (2 wasm backends)');
console.log(
  `ratio 2 workers / 1 worker throughput: ${(both / base).toFixed(2)}×  (load average now ${loadavg()[0]?.toFixed(1)})`,
);
await rm(dir, { recursive: true, force: true });
