// Benchmark: one Option-2 training step (`--fine-tune last:N`) on MobileNetV2's cached activations,
// on the wasm backend with modelhub's gradient kernels vs tfjs's pure-JS cpu backend (the only
// tfjs backend with every gradient kernel that runs here; tfjs-node cannot be installed).
//   node --conditions=@modelhub/source scripts/bench/trainer-fine-tune.ts
//   BENCH_LAYERS=1 BENCH_BATCH=8 BENCH_STEPS=2 node … (the defaults; the cpu side takes ~1 min a step)
import { join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { loadLayersModelFromDir } from '@modelhub/adapter-tfjs';
import { ensureFixtures } from '@modelhub/testing';
import { buildTail, planTail, useTrainingBackend } from '@modelhub/trainer/fine-tune';

const layerCounts = (process.env['BENCH_LAYERS'] ?? '1').split(',').map(Number);
const batch = Number(process.env['BENCH_BATCH'] ?? 8);
const steps = Number(process.env['BENCH_STEPS'] ?? 2);
const fx = await ensureFixtures();
const modelDir = fx.models['mobilenet-v2'].dir;

/** Median milliseconds of one Adam step over `batch` cut activations, after one warm-up step. */
async function stepMs(
  backend: 'wasm' | 'cpu',
  last: number,
): Promise<{ ms: number; layers: readonly string[] }> {
  if (backend === 'wasm') {
    await useTrainingBackend();
  } else {
    await tf.setBackend('cpu');
  }
  const model = await loadLayersModelFromDir(modelDir);
  const plan = planTail(model, 'flatten_1', { mode: 'last', layers: last });
  const tail = buildTail(model, plan);
  const shape = (tail.inputs[0]?.shape ?? []).slice(1) as number[];
  const x = tf.randomUniform([batch, ...shape], 0, 6, 'float32', 1);
  const head = tf.variable(tf.randomNormal([1280, 10], 0, 0.01, 'float32', 2));
  const labels = tf.oneHot(
    tf.tensor1d(
      Array.from({ length: batch }, (_, i) => i % 10),
      'int32',
    ),
    10,
  );
  const optimizer = tf.train.adam(1e-4);
  const variables = [...tail.trainableWeights.map((w) => w.read() as tf.Variable), head];
  const times: number[] = [];
  for (let i = 0; i <= steps; i++) {
    const t0 = performance.now();
    const cost = optimizer.minimize(
      () =>
        tf.losses.softmaxCrossEntropy<tf.Tensor, tf.Scalar>(
          labels,
          tf.matMul((tail.apply(x, { training: false }) as tf.Tensor).reshape([batch, -1]), head),
        ),
      true,
      variables,
    );
    cost?.dataSync();
    cost?.dispose();
    if (i > 0) {
      times.push(performance.now() - t0);
    }
  }
  tf.dispose([x, head, labels]);
  optimizer.dispose();
  model.dispose();
  times.sort((a, b) => a - b);
  return { ms: times[Math.floor(times.length / 2)] ?? Number.NaN, layers: plan.trainedLayers };
}

console.log(`MobileNetV2 (${join('fixtures', 'mobilenet-v2')}), batch ${batch}, median of ${steps} steps`);
console.log(
  'fine-tune     trained layers                                   wasm+modelhub   tfjs cpu    speed-up',
);
for (const n of layerCounts) {
  const wasm = await stepMs('wasm', n);
  const cpu = await stepMs('cpu', n);
  console.log(
    `last:${String(n).padEnd(7)} ${wasm.layers.join(', ').padEnd(48)} ${wasm.ms.toFixed(0).padStart(9)} ms ${cpu.ms.toFixed(0).padStart(9)} ms ${(cpu.ms / wasm.ms).toFixed(1).padStart(9)}×`,
  );
}
console.log(
  `load average: ${(await import('node:os'))
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}`,
);
