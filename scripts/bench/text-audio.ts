// Text and audio backbones: few-shot accuracy against the no-transfer baseline of each modality,
// and speed against the bare runtime call.
//
//   node scripts/bench/text-audio.ts [--seeds 1,2,3,4,5,6,7,8,9,10] [--rounds 3]
//
// 1. Accuracy (8 per class, every other item of the pool is the test set, one row per seed):
//    USE-lite vs TF-IDF on SpamAssassin subject lines (spam/ham); speech_embedding vs MFCC means on
//    espeak-ng keywords (6 words). Same softmax head for all. Seeds 100–104 were used to choose the
//    audio padding; the default seeds were not looked at before.
// 2. Speed. Text: sentences/s of `embed()` (tokenize + sparse batch + worker round trip) with one
//    worker vs the bare `GraphModel.executeAsync` on the same pre-tokenized batches in this thread
//    (same wasm backend). Audio: audio-seconds/s of `embed()` from WAV files vs bare onnxruntime on
//    pre-decoded 16 kHz samples (front end + windows + embedding graph, no pooling). Ratios are
//    adapter time / bare time (target ≤ 1.05 for the inference part).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import { parseArgs } from 'node:util';

import type { Tensor } from '@tensorflow/tfjs';

if (!process.execArgv.some((a) => a.includes('@modelhub/source'))) {
  const child = spawnSync(
    process.execPath,
    ['--conditions=@modelhub/source', ...process.execArgv, import.meta.filename, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

const { values: args } = parseArgs({
  options: {
    seeds: { type: 'string', default: '1,2,3,4,5,6,7,8,9,10' },
    rounds: { type: 'string', default: '3' },
  },
});
const seeds = (args.seeds ?? '').split(',').map(Number);
const rounds = Number(args.rounds);

const { onnxAdapter } = await import('@modelhub/adapter-onnx');
const { tfjsAdapter, dirIOHandler } = await import('@modelhub/adapter-tfjs');
const { loadAudio, planWindows } = await import('@modelhub/audio');
const { openTokenizer, readTextInput, sparseBatch } = await import('@modelhub/text');
const { ensureFixtures } = await import('@modelhub/testing');
const trainer = await import('@modelhub/trainer');
const ort = await import('onnxruntime-node');

const fx = await ensureFixtures();
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;

// ---- 1. accuracy
const spam = await trainer.scanDataset(fx.spam.dir);
const keywords = await trainer.scanDataset(fx.keywords.dir);
const use = await tfjsAdapter.loadFeatureExtractor(fx.models['use-lite'].dir, {
  modelId: 'use-lite',
  workDir: fx.root,
});
const speech = await onnxAdapter.loadFeatureExtractor(fx.models['speech-embedding'].dir, {
  modelId: 'speech-embedding',
  workDir: fx.root,
});
const cache = new trainer.FeatureCache(':memory:');
const texts = async (d: { items: ReadonlyArray<{ path: string }> }): Promise<string[]> =>
  Promise.all(d.items.map(async (i) => (await readTextInput(i.path)).text));
const rows: Array<[string, string, Awaited<ReturnType<typeof trainer.fewShotDraws>>]> = [
  [
    'text',
    'USE-lite (transfer)',
    await trainer.fewShotDraws(spam, { perClass: 8, seeds, cache, extractorFor: () => Promise.resolve(use) }),
  ],
  [
    'text',
    'TF-IDF (no transfer)',
    await trainer.fewShotDraws(spam, {
      perClass: 8,
      seeds,
      extractorFor: async (t) => trainer.tfidfExtractor(await texts(t)),
    }),
  ],
  [
    'audio',
    'speech_embedding (transfer)',
    await trainer.fewShotDraws(keywords, {
      perClass: 8,
      seeds,
      cache,
      extractorFor: () => Promise.resolve(speech),
    }),
  ],
  [
    'audio',
    'MFCC means (no transfer)',
    await trainer.fewShotDraws(keywords, {
      perClass: 8,
      seeds,
      cache,
      extractorFor: () => Promise.resolve(trainer.mfccMeanExtractor()),
    }),
  ],
];
console.log(`\nfew-shot accuracy, 8 per class, seeds ${seeds.join(',')}`);
console.log('  task                              features                     mean ± sd      min–max');
for (const [task, name, draws] of rows) {
  const s = trainer.summarizeDraws(draws);
  const label = task === 'text' ? 'spam vs ham subjects (384 test)' : '6 keywords (96 test)';
  console.log(
    `  ${label.padEnd(33)} ${name.padEnd(28)} ${pct(s.mean)} ± ${(100 * s.std).toFixed(1)}   ${pct(s.min)}–${pct(s.max)}`,
  );
}
await use.dispose();

// ---- 2a. text speed
const useDir = fx.models['use-lite'].dir;
const sentences = await texts(spam);
const oneWorker = await tfjsAdapter.loadFeatureExtractor(useDir, {
  modelId: 'use-lite',
  workDir: fx.root,
  workers: 1,
} as never);
const spec = oneWorker.preprocess;
if (spec.modality !== 'text') {
  throw new Error('use-lite is not a text model');
}
const tokenizer = await openTokenizer(useDir, spec);
const tf = await import('@tensorflow/tfjs');
const { setWasmPaths } = await import('@tensorflow/tfjs-backend-wasm');
setWasmPaths(
  join(
    dirname(createRequire(import.meta.url).resolve('@tensorflow/tfjs-backend-wasm/package.json')),
    'dist',
  ) + sep,
);
await tf.setBackend('wasm');
const graph = await tf.loadGraphModel(dirIOHandler(useDir));
const batches: Array<ReturnType<typeof sparseBatch>> = [];
for (let i = 0; i < sentences.length; i += 32) {
  batches.push(sparseBatch(sentences.slice(i, i + 32).map((s) => tokenizer.encode(s))));
}
const bare = async (): Promise<number> => {
  const t0 = performance.now();
  for (const b of batches) {
    const y = (await graph.executeAsync({
      indices: tf.tensor2d(b.indices, [b.indices.length / 2, 2], 'int32'),
      values: tf.tensor1d(b.values, 'int32'),
    })) as Tensor;
    await y.data();
    tf.dispose(y);
  }
  return performance.now() - t0;
};
const adapter = async (): Promise<number> => {
  const t0 = performance.now();
  await oneWorker.embed(spam.items.map((i) => i.path));
  return performance.now() - t0;
};
await bare();
await adapter();
const textBare: number[] = [];
const textAdapter: number[] = [];
for (let r = 0; r < rounds; r++) {
  textBare.push(await bare());
  textAdapter.push(await adapter());
}
await oneWorker.dispose();
const two = await tfjsAdapter.loadFeatureExtractor(useDir, { modelId: 'use-lite', workDir: fx.root });
const t2 = performance.now();
await two.embed(spam.items.map((i) => i.path));
const twoMs = performance.now() - t2;
await two.dispose();
console.log(`\ntext speed, ${sentences.length} subject lines, batches of 32, median of ${rounds}`);
console.log(
  `  bare GraphModel.executeAsync (wasm, this thread)  ${(sentences.length / (median(textBare) / 1000)).toFixed(0)} sentences/s`,
);
console.log(
  `  embed() from .txt files, 1 worker                 ${(sentences.length / (median(textAdapter) / 1000)).toFixed(0)} sentences/s   ratio ${(median(textAdapter) / median(textBare)).toFixed(3)}`,
);
console.log(
  `  embed() from .txt files, 2 workers                ${(sentences.length / (twoMs / 1000)).toFixed(0)} sentences/s`,
);

// ---- 2b. audio speed
const sd = fx.models['speech-embedding'].dir;
const aspec = speech.preprocess;
if (aspec.modality !== 'audio') {
  throw new Error('speech-embedding is not an audio model');
}
const f = aspec.frontend;
const clips = await Promise.all(keywords.items.map((i) => loadAudio(i.path, aspec.sampleRate)));
const seconds = clips.reduce((s, c) => s + c.seconds, 0);
const mel = await ort.InferenceSession.create(join(sd, f.frontendFile));
const emb = await ort.InferenceSession.create(join(sd, f.embeddingFile));
const bareAudio = async (): Promise<number> => {
  const t0 = performance.now();
  const windows: Float32Array[] = [];
  for (const clip of clips) {
    const length = Math.max(clip.samples.length, aspec.minSamples);
    const wave = new Float32Array(length);
    wave.set(
      clip.samples.map((x) => x * aspec.scale),
      Math.floor((length - clip.samples.length) / 2),
    );
    const out = await mel.run({ [mel.inputNames[0] ?? '']: new ort.Tensor('float32', wave, [1, length]) });
    const data = out[mel.outputNames[0] ?? '']?.data as Float32Array;
    const plan = planWindows(data.length / 32, f.window, f.hop, 0, data.length / 32);
    for (const start of plan.starts) {
      windows.push(
        data.subarray(start * 32, (start + f.window) * 32).map((v) => v * f.frameScale + f.frameOffset),
      );
    }
  }
  const all = new Float32Array(windows.length * f.window * 32);
  windows.forEach((w, i) => all.set(w, i * f.window * 32));
  await emb.run({
    [emb.inputNames[0] ?? '']: new ort.Tensor('float32', all, [windows.length, f.window, 32, 1]),
  });
  return performance.now() - t0;
};
const adapterAudio = async (): Promise<number> => {
  const t0 = performance.now();
  await speech.embed(keywords.items.map((i) => i.path));
  return performance.now() - t0;
};
await bareAudio();
await adapterAudio();
const aBare: number[] = [];
const aAdapter: number[] = [];
for (let r = 0; r < rounds; r++) {
  aBare.push(await bareAudio());
  aAdapter.push(await adapterAudio());
}
console.log(`\naudio speed, ${clips.length} clips, ${seconds.toFixed(1)} s of audio, median of ${rounds}`);
console.log(
  `  bare onnxruntime on decoded 16 kHz samples        ${(seconds / (median(aBare) / 1000)).toFixed(0)} audio-s/s`,
);
console.log(
  `  embed() from .wav files (decode, resample, pool)  ${(seconds / (median(aAdapter) / 1000)).toFixed(0)} audio-s/s   ratio ${(median(aAdapter) / median(aBare)).toFixed(3)}`,
);
await speech.dispose();
await mel.release();
await emb.release();
cache.close();
