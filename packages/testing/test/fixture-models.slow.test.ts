import { readFile, readdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import * as ort from 'onnxruntime-node';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';

import { ensureFixtures, fixtureModels, type FixtureSet } from '../src/index.ts';

let fx: FixtureSet;

beforeAll(async () => {
  fx = await ensureFixtures();
  const require = createRequire(import.meta.url);
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'))}/dist/`);
  await tf.setBackend('wasm');
  await tf.ready();
});

function softmaxSums(data: Float32Array, rows: number, cols: number): number[] {
  const sums: number[] = [];
  for (let r = 0; r < rows; r++) {
    sums.push(data.subarray(r * cols, (r + 1) * cols).reduce((a, b) => a + b, 0));
  }
  return sums;
}

async function loadTfjs(
  dir: string,
): Promise<{ json: { format?: string; modelTopology: unknown }; artifacts: tf.io.ModelArtifacts }> {
  const json = JSON.parse(await readFile(join(dir, 'model.json'), 'utf8')) as {
    format?: string;
    modelTopology: object;
    weightsManifest: tf.io.WeightsManifestConfig;
  };
  const shards: Buffer[] = [];
  for (const group of json.weightsManifest) {
    for (const path of group.paths) {
      shards.push(await readFile(join(dir, path)));
    }
  }
  const all = Buffer.concat(shards);
  return {
    json,
    artifacts: {
      modelTopology: json.modelTopology,
      weightSpecs: json.weightsManifest.flatMap((g) => g.weights),
      weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
    },
  };
}

describe('fixture set', () => {
  it('has every model, with a model card, and a seed.json naming them', async () => {
    for (const spec of fixtureModels) {
      const model = fx.models[spec.name];
      expect(model.files).toContain('README.md');
      const card = await readFile(join(model.dir, 'README.md'), 'utf8');
      expect(card).toMatch(new RegExp(`^---\\nlibrary_name: ${spec.format === 'onnx' ? 'onnx' : 'tfjs'}\\n`));
    }
    const seed = JSON.parse(await readFile(join(fx.seedDir, 'seed.json'), 'utf8')) as {
      models: { repo: string; dir: string }[];
    };
    expect(seed.models.map((m) => m.repo).sort()).toEqual(
      fixtureModels.map((m) => `modelhub/${m.name}`).sort(),
    );
  });

  it('splits the digits into a 1000-image test set and a disjoint training pool', async () => {
    expect(fx.digits.labels).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    let test = 0;
    for (const label of fx.digits.labels) {
      const testFiles = await readdir(join(fx.digits.test, label));
      const trainFiles = await readdir(join(fx.digits.train, label));
      test += testFiles.length;
      expect(trainFiles.length).toBe(400);
      expect(trainFiles.filter((f) => testFiles.includes(f))).toEqual([]);
    }
    expect(test).toBe(1000);
    const sample = await sharp(
      join(fx.digits.test, '7', (await readdir(join(fx.digits.test, '7')))[0] ?? ''),
    ).metadata();
    expect([sample.width, sample.height, sample.channels]).toEqual([28, 28, 1]);
  });

  it('is built once: a second call returns the same folder', async () => {
    expect((await ensureFixtures()).root).toBe(fx.root);
  });
});

describe('ONNX fixture models run in onnxruntime-node', () => {
  const cases = [
    { name: 'ppocr-rec', feeds: { x: [1, 3, 48, 320] }, output: 'softmax_11.tmp_0', classes: 6625 },
    { name: 'ppocr-cls', feeds: { x: [1, 3, 48, 192] }, output: 'softmax_0.tmp_0', classes: 2 },
  ] as const;

  it.each(cases)('$name gives a probability distribution', async ({ name, feeds, output, classes }) => {
    const session = await ort.InferenceSession.create(join(fx.models[name].dir, 'model.onnx'));
    const dims: readonly number[] = feeds.x;
    const size = dims.reduce((a, b) => a * b, 1);
    const x = new ort.Tensor('float32', new Float32Array(size).fill(0.5), [...dims]);
    const result = await session.run({ x });
    const probs = result[output];
    expect(probs?.dims.at(-1)).toBe(classes);
    const data = probs?.data as Float32Array;
    const rows = data.length / classes;
    for (const sum of softmaxSums(data, rows, classes)) {
      expect(sum).toBeCloseTo(1, 3);
    }
    await session.release();
  });

  it('ppocr-det gives a probability map the size of its input', async () => {
    const session = await ort.InferenceSession.create(join(fx.models['ppocr-det'].dir, 'model.onnx'));
    const x = new ort.Tensor('float32', new Float32Array(3 * 64 * 96), [1, 3, 64, 96]);
    const result = await session.run({ x });
    const map = result['sigmoid_0.tmp_0'];
    expect(map?.dims).toEqual([1, 1, 64, 96]);
    expect(Array.from(map?.data as Float32Array).every((v) => v >= 0 && v <= 1)).toBe(true);
    await session.release();
  });

  it('silero-vad gives a speech probability for one audio frame', async () => {
    const session = await ort.InferenceSession.create(join(fx.models['silero-vad'].dir, 'model.onnx'));
    const frame = Float32Array.from({ length: 512 }, (_, i) => 0.1 * Math.sin(i / 5));
    const result = await session.run({
      input: new ort.Tensor('float32', frame, [1, 512]),
      sr: new ort.Tensor('int64', BigInt64Array.from([16000n]), []),
      h: new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]),
      c: new ort.Tensor('float32', new Float32Array(128), [2, 1, 64]),
    });
    const p = (result['output']?.data as Float32Array)[0] ?? -1;
    expect(p).toBeGreaterThanOrEqual(0);
    expect(p).toBeLessThanOrEqual(1);
    expect(result['hn']?.dims).toEqual([2, 1, 64]);
    await session.release();
  });
});

describe('TF.js fixture models run in @tensorflow/tfjs on the wasm backend', () => {
  it.each([
    { name: 'mobilenet-v2', size: 224 },
    { name: 'inception-v3', size: 299 },
  ] as const)('$name (layers model) classifies one image into 5 classes', async ({ name, size }) => {
    const { json, artifacts } = await loadTfjs(fx.models[name].dir);
    expect(json.format).toBe('layers-model');
    const model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    const x = tf.fill([1, size, size, 3], 0.5);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 5]);
    expect(softmaxSums(y.dataSync() as Float32Array, 1, 5)[0]).toBeCloseTo(1, 3);
    tf.dispose([x, y]);
    model.dispose();
  });

  it('mobilenet-v2-mid (graph model) classifies one image into 5 classes', async () => {
    const { json, artifacts } = await loadTfjs(fx.models['mobilenet-v2-mid'].dir);
    expect(json.format).toBe('graph-model');
    const model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    const x = tf.fill([1, 224, 224, 3], 0.5);
    const y = model.predict(x) as tf.Tensor;
    expect(y.shape).toEqual([1, 5]);
    expect(softmaxSums(y.dataSync() as Float32Array, 1, 5)[0]).toBeCloseTo(1, 3);
    tf.dispose([x, y]);
    model.dispose();
  });
});
