// ONNX adapter throughput: adapter overhead over a bare onnxruntime session, and how well image
// decoding hides behind inference.
//
//   node scripts/bench/adapter-onnx.ts [--model ppocr-rec|ppocr-cls] [--images 64] [--batch 8] [--rounds 3]
//
// 1. Overhead. Baseline: `InferenceSession.run` on the edited (tapped) model, fetching the tap, over
//    pre-decoded batches, with the adapter's session options (and, for information, ORT defaults).
//    Candidate: the adapter's `runTensor` on the same tensors (its own session, plus tensor wrapping
//    and pooling). Target: candidate/baseline time ≤ 1.05.
// 2. Overlap. Baseline: inference only (the adapter on pre-decoded tensors) in images/s. Candidate:
//    `embed()` from JPEG files (decode of batch k+1 overlapping inference of batch k). Also shown: a
//    serial decode-then-infer loop. Target: end-to-end / inference-only ≥ 0.9.
// 3. Memory: RSS and heap after each round of end-to-end embedding (should stay flat).
// Rounds alternate candidate and baseline; medians are reported.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median, runFromSources } from './bench-kit.ts';

runFromSources(import.meta.filename, ['--expose-gc']);

const { values: args } = parseArgs({
  options: {
    model: { type: 'string', default: 'ppocr-rec' },
    images: { type: 'string', default: '64' },
    batch: { type: 'string', default: '8' },
    rounds: { type: 'string', default: '3' },
  },
});
const modelName = args.model === 'ppocr-cls' ? 'ppocr-cls' : 'ppocr-rec';
const imageCount = Number(args.images);
const batchSize = Number(args.batch);
const rounds = Number(args.rounds);

const { InferenceSession, Tensor } = await import('onnxruntime-node');
const sharp = (await import('sharp')).default;
const { ensureFixtures } = await import('@modelhub/testing');
const { loadImageExtractor, createSession } = await import('@modelhub/adapter-onnx');
const { decodeBatch } = await import('@modelhub/vision');

const fx = await ensureFixtures();
const modelDir = fx.models[modelName].dir;
const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-onnx-'));

const words = ['invoice', 'total', 'Tuesday', 'river', 'modelhub', 'receipt', 'address', 'number'];
const files: string[] = [];
for (let i = 0; i < imageCount; i++) {
  const text = `${words[i % words.length] ?? 'x'} ${i}`;
  const w = 26 * text.length + 40;
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="64"><rect width="100%" height="100%" fill="#f4f1ea"/><text x="16" y="46" font-family="DejaVu Sans, sans-serif" font-size="38" fill="#222">${text}</text></svg>`;
  const path = join(work, `img-${i}.jpg`);
  await writeFile(path, await sharp(Buffer.from(svg)).jpeg({ quality: 90 }).toBuffer());
  files.push(path);
}

const extractor = await loadImageExtractor(modelDir, {
  modelId: modelName,
  workDir: join(work, 'cache'),
  batchSize,
});
const spec = extractor.preprocess;

/** Decodes one batch of files into one input tensor's data (undecodable files left out). */
async function decodeToTensor(batch: readonly string[]): Promise<{ data: Float32Array; dims: number[] }> {
  const { images } = await decodeBatch(batch, spec);
  const ok = images.filter((x) => x !== undefined);
  const per = ok[0]?.data.length ?? 0;
  const data = new Float32Array(per * ok.length);
  ok.forEach((img, r) => data.set(img.data, r * per));
  return { data, dims: [ok.length, ...(ok[0]?.dims ?? [])] };
}

// Pre-decoded batches, identical for every contender.
const batches: Array<{ data: Float32Array; dims: number[] }> = [];
for (let s = 0; s < files.length; s += batchSize) {
  batches.push(await decodeToTensor(files.slice(s, s + batchSize)));
}

const bare = await InferenceSession.create(extractor.modelPath, {
  executionProviders: ['cpu'],
  graphOptimizationLevel: 'all',
});
// the same session options the adapter uses (threads sleep instead of spinning)
const bareSame = await createSession(extractor.modelPath, extractor.modelPath);
const inputName = bare.inputNames[0] ?? 'x';

const time = async (fn: () => Promise<void>): Promise<number> => {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
};

const runBare = async (): Promise<void> => {
  for (const b of batches) {
    const out = await bare.run({ [inputName]: new Tensor('float32', b.data, b.dims) }, [
      extractor.tap.tensor,
    ]);
    void out;
  }
};
const runAdapter = async (): Promise<void> => {
  for (const b of batches) {
    await extractor.runTensor(b.data, b.dims);
  }
};
const inferenceOnly = async (): Promise<number> => time(runAdapter);
const runEndToEnd = async (): Promise<void> => {
  const r = await extractor.embed(files);
  if (r.failures.length > 0) {
    throw new Error(r.failures[0]?.error.message);
  }
};
const runSerial = async (): Promise<void> => {
  for (let s = 0; s < files.length; s += batchSize) {
    const { data, dims } = await decodeToTensor(files.slice(s, s + batchSize));
    await extractor.runTensor(data, dims);
  }
};

// warm-up
await runBare();
await runAdapter();
await runEndToEnd();

const t = {
  bare: [] as number[],
  same: [] as number[],
  adapter: [] as number[],
  inference: [] as number[],
  e2e: [] as number[],
  serial: [] as number[],
};
const memory: string[] = [];
const gc = (globalThis as { gc?: () => void }).gc;
for (let r = 0; r < rounds; r++) {
  // overhead: bare and adapter alternate batch by batch, so load changes hit both alike
  let bareMs = 0;
  let sameMs = 0;
  let adapterMs = 0;
  for (const b of batches) {
    bareMs += await time(async () => {
      await bare.run({ [inputName]: new Tensor('float32', b.data, b.dims) }, [extractor.tap.tensor]);
    });
    sameMs += await time(async () => {
      await bareSame.run({ [inputName]: new Tensor('float32', b.data, b.dims) }, [extractor.tap.tensor]);
    });
    adapterMs += await time(async () => {
      await extractor.runTensor(b.data, b.dims);
    });
  }
  t.bare.push(bareMs);
  t.same.push(sameMs);
  t.adapter.push(adapterMs);
  t.inference.push(await inferenceOnly());
  t.e2e.push(await time(runEndToEnd));
  t.serial.push(await time(runSerial));
  gc?.();
  const m = process.memoryUsage();
  memory.push(`${(m.rss / 2 ** 20).toFixed(0)}/${(m.heapUsed / 2 ** 20).toFixed(0)}`);
}
const ips = (ms: number): number => (files.length * 1000) / ms;
const [bareMs, sameMs, adapterMs, inferMs, e2eMs, serialMs] = [
  median(t.bare),
  median(t.same),
  median(t.adapter),
  median(t.inference),
  median(t.e2e),
  median(t.serial),
];

console.log(
  `model ${modelName}, ${files.length} JPEG images, batch ${batchSize}, ${rounds} rounds (medians), tap ${extractor.tap.tensor} → ${extractor.dim}-d`,
);
console.log(
  `bare InferenceSession.run (pre-decoded)   ${bareMs.toFixed(1)} ms   ${ips(bareMs).toFixed(1)} img/s`,
);
console.log(
  `bare run, adapter's session options      ${sameMs.toFixed(1)} ms   ${ips(sameMs).toFixed(1)} img/s`,
);
console.log(
  `adapter runTensor (pre-decoded)           ${adapterMs.toFixed(1)} ms   ${ips(adapterMs).toFixed(1)} img/s`,
);
console.log(
  `inference only (adapter, pre-decoded)     ${inferMs.toFixed(1)} ms   ${ips(inferMs).toFixed(1)} img/s`,
);
console.log(
  `adapter embed() from JPEG files           ${e2eMs.toFixed(1)} ms   ${ips(e2eMs).toFixed(1)} img/s`,
);
console.log(
  `serial decode → infer (no overlap)        ${serialMs.toFixed(1)} ms   ${ips(serialMs).toFixed(1)} img/s`,
);
console.log(
  `overhead ratio adapter/bare (same options): ${(adapterMs / sameMs).toFixed(3)}   (target ≤ 1.05)`,
);
console.log(`adapter/bare with ORT default options:     ${(adapterMs / bareMs).toFixed(3)}`);
console.log(`end-to-end / inference-only throughput:   ${(inferMs / e2eMs).toFixed(3)}   (target ≥ 0.9)`);
console.log(`serial / inference-only throughput:        ${(inferMs / serialMs).toFixed(3)}`);
console.log(`RSS/heap MiB after each round:            ${memory.join('  ')}`);

await extractor.dispose();
await bare.release();
await bareSame.release();
await rm(work, { recursive: true, force: true });
