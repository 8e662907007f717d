// TF.js wasm throughput: one worker thread (one single-threaded wasm backend, the baseline) vs two
// (both cores). Same model, same images, same batch size, in one run. Also prints the main
// thread's RSS and each worker's live tensor count after every round (they should stay flat).
//
//   node scripts/bench/adapter-tfjs-workers.ts [--model mobilenet-v2|mobilenet-v2-mid|inception-v3]
//        [--images 96] [--batch 16] [--rounds 2]
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';

import sharp from 'sharp';

if (!process.execArgv.some((a) => a.includes('@modelhub/source'))) {
  // Sibling packages resolve to their sources only under this condition: re-run with it.
  const child = spawnSync(
    process.execPath,
    ['--conditions=@modelhub/source', ...process.execArgv, ...process.argv.slice(1)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const { loadTfjsFeatureExtractor } = await import('@modelhub/adapter-tfjs');
const { ensureFixtures } = await import('@modelhub/testing');

const { values } = parseArgs({
  options: {
    model: { type: 'string', default: 'mobilenet-v2' },
    images: { type: 'string', default: '96' },
    batch: { type: 'string', default: '16' },
    rounds: { type: 'string', default: '2' },
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

async function measure(workers: number): Promise<{ perSecond: number; best: number }> {
  const extractor = await loadTfjsFeatureExtractor(fx.models[modelName].dir, {
    modelId: modelName,
    workDir: dir,
    workers,
    batchSize,
  });
  try {
    await extractor.embed(images.slice(0, batchSize * workers)); // warm-up
    let best = Infinity;
    for (let r = 0; r < rounds; r++) {
      const start = performance.now();
      const result = await extractor.embed(images);
      best = Math.min(best, (performance.now() - start) / 1000);
      if (result.failures.length > 0) {
        throw new Error(`${result.failures.length} inputs failed`);
      }
      const tensors = (await extractor.workerMemory()).map((m) => m.numTensors).join('/');
      const rss = (process.memoryUsage().rss / 2 ** 20).toFixed(0);
      console.log(
        `  ${workers} worker(s) round ${r + 1}: ${((performance.now() - start) / 1000).toFixed(2)} s, main RSS ${rss} MiB, worker tensors ${tensors}`,
      );
    }
    return { perSecond: count / best, best };
  } finally {
    await extractor.dispose();
  }
}

console.log(
  `model ${modelName}, ${count} images (320×240 JPEG), batch ${batchSize}, best of ${rounds}, ` +
    `${availableParallelism()} cores, Node ${process.version}`,
);
const one = await measure(1);
console.log(
  `baseline  1 worker  (1 wasm backend):  ${one.best.toFixed(2)} s  ${one.perSecond.toFixed(1)} img/s`,
);
const two = await measure(2);
console.log(
  `          2 workers (2 wasm backends): ${two.best.toFixed(2)} s  ${two.perSecond.toFixed(1)} img/s`,
);
console.log(`ratio 2 workers / 1 worker throughput: ${(two.perSecond / one.perSecond).toFixed(2)}×`);
await rm(dir, { recursive: true, force: true });
