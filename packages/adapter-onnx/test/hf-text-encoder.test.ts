// A Hugging Face–layout text encoder built here (random weights, the real layout: tokenizer.json +
// config.json + onnx/model.onnx with input_ids/attention_mask/token_type_ids → last_hidden_state),
// and the masked mean pooling checked against a hand computation.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import * as ort from 'onnxruntime-node';

import { buildHeadModel, buildOnnxModel, DataType } from '@modelhub/onnx';
import { wordPieceTokenizerJson } from '@modelhub/testing';
import { idsMaskBatch, openTokenizer } from '@modelhub/text';

import { onnxAdapter } from '../src/index.ts';

const VOCAB = 17;
const HIDDEN = 4;
let dir: string;
let words: Float32Array;
let types: Float32Array;

/** Deterministic pseudo-random weights. */
function weights(n: number, seed: number): Float32Array {
  let s = seed;
  return Float32Array.from({ length: n }, () => {
    s = (s * 1103515245 + 12345) % 2 ** 31;
    return s / 2 ** 30 - 1;
  });
}

/** last_hidden_state[t] = tanh(words[id_t] + types[type_t]), by hand. */
function tokenVector(id: number, type: number): number[] {
  return Array.from({ length: HIDDEN }, (_, k) =>
    Math.tanh((words[id * HIDDEN + k] ?? 0) + (types[type * HIDDEN + k] ?? 0)),
  );
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'modelhub-hf-text-'));
  words = weights(VOCAB * HIDDEN, 7);
  types = weights(2 * HIDDEN, 11);
  await mkdir(join(dir, 'onnx'));
  await writeFile(
    join(dir, 'onnx', 'model.onnx'),
    buildOnnxModel({
      nodes: [
        { opType: 'Gather', inputs: ['word_embeddings', 'input_ids'], outputs: ['w'] },
        { opType: 'Gather', inputs: ['type_embeddings', 'token_type_ids'], outputs: ['t'] },
        { opType: 'Add', inputs: ['w', 't'], outputs: ['h'] },
        { opType: 'Tanh', inputs: ['h'], outputs: ['last_hidden_state'] },
      ],
      initializers: [
        { name: 'word_embeddings', dims: [VOCAB, HIDDEN], dataType: DataType.float, values: words },
        { name: 'type_embeddings', dims: [2, HIDDEN], dataType: DataType.float, values: types },
      ],
      inputs: [
        { name: 'input_ids', elemType: DataType.int64, dims: ['batch', 'sequence'] },
        { name: 'attention_mask', elemType: DataType.int64, dims: ['batch', 'sequence'] },
        { name: 'token_type_ids', elemType: DataType.int64, dims: ['batch', 'sequence'] },
      ],
      outputs: [{ name: 'last_hidden_state', elemType: DataType.float, dims: ['batch', 'sequence', HIDDEN] }],
    }),
  );
  await writeFile(join(dir, 'tokenizer.json'), JSON.stringify(wordPieceTokenizerJson()));
  await writeFile(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 6 }));
  await writeFile(
    join(dir, 'config.json'),
    JSON.stringify({ model_type: 'bert', max_position_embeddings: 512 }),
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Hugging Face–layout text encoder', () => {
  it('is detected as text, and inspect states the tokenizer and limit', async () => {
    const ins = await onnxAdapter.inspect(dir, { modelId: 'local/tiny-bert', workDir: dir });
    expect(ins.modality).toBe('text');
    expect(ins.inputs.map((i) => i.name)).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
    expect(ins.chosen).toMatchObject({ tensor: 'last_hidden_state', dim: HIDDEN, pooling: 'mean' });
    expect(ins.preprocess).toMatchObject({
      modality: 'text',
      maxTokens: 6,
      tokenizer: { kind: 'hf-tokenizers' },
    });
  });

  it('mean-pools last_hidden_state over the real tokens only (the attention mask)', async () => {
    const extractor = await onnxAdapter.loadFeatureExtractor(dir, {
      modelId: 'local/tiny-bert',
      workDir: dir,
    });
    try {
      // "hello" → [CLS] hello [SEP]; "free money now !" → [CLS] free money now ! [SEP]: one batch, so
      // the first row is padded with three masked positions.
      const result = await extractor.embed([{ text: 'hello' }, { text: 'free money now!' }, { text: ' ' }]);
      const mean = (ids: number[]): number[] =>
        Array.from(
          { length: HIDDEN },
          (_, k) => ids.reduce((s, id) => s + (tokenVector(id, 0)[k] ?? 0), 0) / ids.length,
        );
      const first = Array.from(result.vectors[0] ?? []);
      const second = Array.from(result.vectors[1] ?? []);
      mean([2, 5, 3]).forEach((x, k) => expect(first[k]).toBeCloseTo(x, 6));
      mean([2, 9, 10, 11, 15, 3]).forEach((x, k) => expect(second[k]).toBeCloseTo(x, 6));
      // Unmasked, the padding (id 0) would have entered the first row's mean.
      const padded = mean([2, 5, 3, 0, 0, 0]);
      expect(Math.max(...first.map((x, k) => Math.abs(x - (padded[k] ?? 0))))).toBeGreaterThan(1e-3);
      expect(result.failures.map((f) => f.error.code)).toEqual(['INVALID_INPUT']);
    } finally {
      await extractor.dispose();
    }
  });

  it('cuts a text past the limit at the end, keeps [SEP], and says so once', async () => {
    const extractor = await onnxAdapter.loadFeatureExtractor(dir, {
      modelId: 'local/tiny-bert',
      workDir: dir,
    });
    try {
      const long = await extractor.embed([{ text: 'hello world hello world hello world', name: 'long.txt' }]);
      expect(long.warnings).toEqual([expect.stringContaining('longer than 6 tokens') as string]);
      const expected = Array.from(
        { length: HIDDEN },
        (_, k) => [2, 5, 6, 5, 6, 3].reduce((s, id) => s + (tokenVector(id, 0)[k] ?? 0), 0) / 6,
      );
      expected.forEach((x, k) => expect(long.vectors[0]?.[k]).toBeCloseTo(x, 6));
      const again = await extractor.embed([{ text: 'hello world hello world hello world' }]);
      expect(again.warnings).toBeUndefined();
    } finally {
      await extractor.dispose();
    }
  });

  it.each(['mean', 'max', 'meanmax', 'cls'] as const)(
    'fuses encoder, %s pooling over the attention mask and a head into one ONNX graph that agrees with embed()',
    async (pooling) => {
      const extractor = await onnxAdapter.loadFeatureExtractor(dir, {
        modelId: 'local/tiny-bert',
        workDir: dir,
        pooling,
      });
      try {
        const texts = ['hello', 'free money now!', 'world hello'];
        const features = (await extractor.embed(texts.map((text) => ({ text })))).vectors as Float32Array[];
        const dim = extractor.dim;
        const w = weights(3 * dim, 5);
        const b = weights(3, 9);
        const head = buildHeadModel({
          layers: [{ weight: w, bias: b, inDim: dim, outDim: 3, activation: 'none' }],
          labels: ['a', 'b', 'c'],
          metadata: {},
        });
        if (onnxAdapter.fuseHead === undefined || extractor.preprocess.modality !== 'text') {
          throw new Error('the ONNX adapter fuses text heads');
        }
        const fused = await onnxAdapter.fuseHead(dir, head, {
          modelId: 'local/tiny-bert',
          workDir: dir,
          tap: extractor.tap,
          preprocess: extractor.preprocess,
          metadata: { labels: '["a","b","c"]' },
        });
        // The tokenizer runs outside the graph; the batch is padded (masked) to its longest text.
        const tokenizer = await openTokenizer(dir, extractor.preprocess);
        const batch = idsMaskBatch(texts.map((t) => tokenizer.encode(t)));
        const shape = [batch.rows, batch.length];
        const session = await ort.InferenceSession.create(fused);
        try {
          expect(session.inputNames).toEqual(['input_ids', 'attention_mask', 'token_type_ids']);
          const out = await session.run({
            input_ids: new ort.Tensor('int64', batch.inputIds, shape),
            attention_mask: new ort.Tensor('int64', batch.attentionMask, shape),
            token_type_ids: new ort.Tensor('int64', batch.tokenTypeIds, shape),
          });
          const probs = out['probs']?.data as Float32Array;
          features.forEach((x, r) => {
            const logits = [0, 1, 2].map(
              (o) => (b[o] ?? 0) + x.reduce((a, v, k) => a + v * (w[o * dim + k] ?? 0), 0),
            );
            const z = logits.reduce((a, l) => a + Math.exp(l), 0);
            logits.forEach((l, o) => expect(probs[r * 3 + o]).toBeCloseTo(Math.exp(l) / z, 6));
          });
          // scoreExported feeds the file as hub export's check does: one text at a time, unpadded
          const scored = await onnxAdapter.scoreExported?.(fused, {
            kind: 'inputs',
            modelDir: dir,
            preprocess: extractor.preprocess,
            inputs: texts.map((text) => ({ text })),
          });
          expect(scored).toHaveLength(3);
          scored?.forEach((p, r) =>
            p.probs.forEach((v, o) => expect(v).toBeCloseTo(probs[r * 3 + o] ?? NaN, 6)),
          );
        } finally {
          await session.release();
        }
      } finally {
        await extractor.dispose();
      }
    },
  );
});
