import { cp, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { InferenceSession, Tensor } from 'onnxruntime-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { hashFile, isModelhubError, requireImageSpec } from '@modelhub/core';
import { ensureFixtures, featureExtractorConformance } from '@modelhub/testing';
import type { FixtureSet } from '@modelhub/testing';
import { decodeImage } from '@modelhub/vision';

import { onnxAdapter } from '../src/index.ts';
import { renderText, writeWords } from './render-text.ts';

const work = await mkdtemp(join(tmpdir(), 'modelhub-adapter-onnx-'));
const fx: FixtureSet = await ensureFixtures();
const recDir = fx.models['ppocr-rec'].dir;
const clsDir = fx.models['ppocr-cls'].dir;
const words = await writeWords(join(work, 'words'), ['hello', 'model', 'river', 'Tuesday']);
const options = (modelId: string): { modelId: string; workDir: string } => ({
  modelId,
  workDir: join(work, 'cache'),
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('ONNX adapter conformance: PaddleOCR rec', () => {
  featureExtractorConformance(
    it,
    () => onnxAdapter.loadFeatureExtractor(recDir, options('modelhub/ppocr-rec')),
    {
      images: words,
      dim: 120,
      tensor: 'transpose_51.tmp_0',
      afterAll,
    },
  );
});

describe('ONNX adapter conformance: PaddleOCR cls', () => {
  featureExtractorConformance(
    it,
    () => onnxAdapter.loadFeatureExtractor(clsDir, options('modelhub/ppocr-cls')),
    {
      images: words,
      dim: 200,
      tensor: 'reshape2_0.tmp_0',
      afterAll,
    },
  );
});

describe('PaddleOCR rec through the ONNX adapter', () => {
  it('finds transpose_51.tmp_0 [N,T,120] and mean-pools it over the steps that cover the real image', async () => {
    const masked = await onnxAdapter.loadFeatureExtractor(recDir, { ...options('rec'), batchSize: 3 });
    const padded = await onnxAdapter.loadFeatureExtractor(recDir, { ...options('rec'), mask: false });
    try {
      expect(masked.tap).toEqual({
        tensor: 'transpose_51.tmp_0',
        runtime: 'onnx',
        pooling: 'mean',
        dim: 120,
        mask: { rule: 'receptive-field-centre', axes: [{ axis: 1, input: 'width' }] },
      });
      expect(padded.tap.mask).toBeUndefined();
      expect(masked.preprocess.source).toBe('preset:ppocr-rec');
      // A 28×28 digit becomes 48×48, padded to 48×320: 6 of the 40 time steps (stride 8) cover it.
      const digit = join(fx.digits.train, '3', '0000.png');
      const img = await decodeImage(digit, requireImageSpec(masked.preprocess, 'test'));
      expect(img.dims).toEqual([3, 48, 320]);
      expect(img.valid).toEqual({ height: 48, width: 48 });
      // Reference: the raw tap of the edited model, averaged by hand over the first 6 steps and over all 40.
      const session = await InferenceSession.create((masked as unknown as { modelPath: string }).modelPath);
      const out = await session.run({ x: new Tensor('float32', img.data, [1, ...img.dims]) }, [
        'transpose_51.tmp_0',
      ]);
      await session.release();
      const tap = out['transpose_51.tmp_0'];
      expect(tap?.dims).toEqual([1, 40, 120]);
      const raw = tap?.data as Float32Array;
      const meanOver = (steps: number): number[] =>
        Array.from({ length: 120 }, (_, k) => {
          let s = 0;
          for (let t = 0; t < steps; t++) {
            s += raw[t * 120 + k] ?? 0;
          }
          return s / steps;
        });
      const [m] = (await masked.embed([digit])).vectors;
      const [p] = (await padded.embed([digit])).vectors;
      meanOver(6).forEach((x, k) => expect(Math.abs((m?.[k] ?? NaN) - x)).toBeLessThan(1e-5));
      meanOver(40).forEach((x, k) => expect(Math.abs((p?.[k] ?? NaN) - x)).toBeLessThan(1e-5));
      // The 34 padding steps dominate the unmasked mean: the two vectors are far apart.
      const gap = Math.hypot(...Array.from(m ?? [], (x, k) => x - (p?.[k] ?? 0)));
      const size = Math.hypot(...Array.from(m ?? []));
      expect(gap / size).toBeGreaterThan(0.2);
    } finally {
      await masked.dispose();
      await padded.dispose();
    }
  });

  it('pads each image only to its own width (rounded up to the stride) when asked, and masks the rounding', async () => {
    const inspected = (await onnxAdapter.inspect(recDir, options('rec'))).preprocess;
    if (inspected === null) {
      throw new Error('ppocr-rec has a preprocessing');
    }
    const spec = requireImageSpec(inspected, 'test');
    if (spec.pad === null) {
      throw new Error('ppocr-rec pads');
    }
    const tight = await onnxAdapter.loadFeatureExtractor(recDir, {
      ...options('rec'),
      preprocess: { ...spec, pad: { ...spec.pad, multiple: 8 } },
    });
    try {
      const word = words[3] ?? '';
      const img = await decodeImage(word, requireImageSpec(tight.preprocess, 'test'));
      expect(img.dims[2]).toBe(Math.ceil(img.valid.width / 8) * 8);
      expect(img.dims[2]).toBeLessThan(320);
      const session = await InferenceSession.create((tight as unknown as { modelPath: string }).modelPath);
      const out = await session.run({ x: new Tensor('float32', img.data, [1, ...img.dims]) }, [
        'transpose_51.tmp_0',
      ]);
      await session.release();
      const raw = out['transpose_51.tmp_0']?.data as Float32Array;
      const steps = out['transpose_51.tmp_0']?.dims[1] ?? 0;
      // steps whose cell centre (t + ½)·8 lies inside the real width
      let real = 0;
      while (real < steps && (real + 0.5) * 8 < img.valid.width) {
        real++;
      }
      const [v] = (await tight.embed([word])).vectors;
      for (let k = 0; k < 120; k++) {
        let s = 0;
        for (let t = 0; t < real; t++) {
          s += raw[t * 120 + k] ?? 0;
        }
        expect(Math.abs((v?.[k] ?? NaN) - s / real)).toBeLessThan(1e-5);
      }
    } finally {
      await tight.dispose();
    }
  });

  it('keeps the original output of the edited model identical to the unedited model', async () => {
    const extractor = await onnxAdapter.loadFeatureExtractor(recDir, options('rec'));
    const editedPath = (extractor as unknown as { modelPath: string }).modelPath;
    const spec = requireImageSpec(extractor.preprocess, 'test');
    await extractor.dispose();
    const img = await decodeImage(words[1] ?? '', spec);
    const feeds = { x: new Tensor('float32', img.data, [1, ...img.dims]) };
    const original = await InferenceSession.create(join(recDir, 'model.onnx'));
    const edited = await InferenceSession.create(editedPath);
    try {
      expect(edited.outputNames).toEqual(['softmax_11.tmp_0', 'transpose_51.tmp_0']);
      const a = (await original.run(feeds))['softmax_11.tmp_0']?.data as Float32Array;
      const b = (await edited.run(feeds, ['softmax_11.tmp_0']))['softmax_11.tmp_0']?.data as Float32Array;
      expect(b.length).toBe(a.length);
      let worst = 0;
      a.forEach((v, i) => (worst = Math.max(worst, Math.abs(v - (b[i] ?? NaN)))));
      expect(worst).toBeLessThan(1e-6);
    } finally {
      await original.release();
      await edited.release();
    }
  });

  it('reads rendered words back with the original head (CTC greedy decode over ppocr_keys_v1.txt)', async () => {
    const predictions = await onnxAdapter.predictOriginal(recDir, words, { ...options('rec'), topK: 1 });
    expect(predictions.map((p) => p.top[0]?.label.trim())).toEqual(['hello', 'model', 'river', 'Tuesday']);
  });

  it('inspects PaddleOCR rec: its tap, the inputs of its neck, and the map its neck pools away', async () => {
    const ins = await onnxAdapter.inspect(recDir, options('rec'));
    expect(ins.chosen).toMatchObject({ tensor: 'transpose_51.tmp_0', dim: 120 });
    const tensors = ins.candidates.map((c) => c.tensor);
    expect(tensors).toEqual(expect.arrayContaining(['swish_16.tmp_0', 'p2o.Concat.8']));
    expect(ins.candidates.find((c) => c.tensor === 'p2o.Add.231')).toMatchObject({
      dim: 480,
      pooling: 'mean',
      reason: expect.stringMatching(/grid view/) as unknown,
    });
  });
});

describe('PaddleOCR cls through the ONNX adapter', () => {
  let upright: string;
  let flipped: string;
  beforeAll(async () => {
    upright = join(work, 'upright.png');
    flipped = join(work, 'flipped.png');
    await writeFile(upright, await renderText('upright text'));
    await writeFile(flipped, await renderText('upright text', { rotate180: true }));
  });

  it('says 0° for upright text and 180° for upside-down text', async () => {
    const p = await onnxAdapter.predictOriginal(clsDir, [upright, flipped, ...words], {
      ...options('cls'),
      topK: 2,
    });
    expect(p.map((x) => x.top[0]?.index)).toEqual([0, 1, 0, 0, 0, 0]);
    expect(p.map((x) => x.top[0]?.label)).toEqual(['0', '180', '0', '0', '0', '0']);
    expect(p[0]?.top[0]?.score).toBeGreaterThan(0.9);
    expect(p[0]?.top.map((t) => t.score).reduce((s, x) => s + x, 0)).toBeCloseTo(1, 5);
  });

  it('honours --layer: a rank-4 tensor is average-pooled over space', async () => {
    const extractor = await onnxAdapter.loadFeatureExtractor(clsDir, {
      ...options('cls'),
      layer: 'p2o.GlobalAveragePool.19',
    });
    try {
      expect(extractor.tap.pooling).toBe('mean');
      expect(extractor.tap.tensor).toBe('p2o.GlobalAveragePool.19');
      const r = await extractor.embed([upright]);
      expect(r.vectors[0]?.length).toBe(extractor.dim);
    } finally {
      await extractor.dispose();
    }
  });

  it('inspects inputs, outputs, the 200-d candidate and the resolved preprocessing', async () => {
    const ins = await onnxAdapter.inspect(clsDir, options('cls'));
    expect(ins.inputs.map((i) => i.name)).toEqual(['x']);
    expect(ins.outputs.map((o) => o.name)).toEqual(['softmax_0.tmp_0']);
    expect(ins.chosen).toMatchObject({ tensor: 'reshape2_0.tmp_0', dim: 200, pooling: 'none' });
    expect(
      ins.preprocess !== null && 'resize' in ins.preprocess ? ins.preprocess.resize : undefined,
    ).toMatchObject({ mode: 'fit_height', height: 48, width: 192 });
  });
});

describe('ONNX adapter errors', () => {
  it('refuses a detector without a classifier, suggesting --layer', async () => {
    const err = await onnxAdapter.loadFeatureExtractor(fx.models['ppocr-det'].dir, options('det')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelhubError(err) && err.code).toBe('UNSUPPORTED_MODEL');
    expect(isModelhubError(err) && err.hint).toMatch(/--layer NAME/);
  });

  it('refuses to predict with a detector whose output is a score map', async () => {
    await expect(
      onnxAdapter.predictOriginal(fx.models['ppocr-det'].dir, words.slice(0, 1), {
        ...options('det'),
        topK: 1,
      }),
    ).rejects.toThrow(/not class scores/);
  });

  it('refuses a non-image model and still inspects it', async () => {
    const dir = fx.models['silero-vad'].dir;
    await expect(onnxAdapter.loadFeatureExtractor(dir, options('vad'))).rejects.toThrow(
      /does not take one float image tensor/,
    );
    const ins = await onnxAdapter.inspect(dir, options('vad'));
    expect(ins.inputs.map((i) => i.name)).toEqual(['input', 'sr', 'h', 'c']);
    expect(ins.preprocess).toBeNull();
    expect(ins.candidates).toEqual([]);
  });

  it('detects ONNX folders only', async () => {
    expect(await onnxAdapter.detect(recDir)).toBe(true);
    expect(await onnxAdapter.detect(fx.models['mobilenet-v2'].dir)).toBe(false);
  });

  it('reads a truncated model file as a clear error', async () => {
    const dir = join(work, 'broken');
    const bytes = await readFile(join(clsDir, 'model.onnx'));
    await rm(dir, { recursive: true, force: true });
    await import('node:fs/promises').then((fs) => fs.mkdir(dir, { recursive: true }));
    await writeFile(join(dir, 'model.onnx'), bytes.subarray(0, 1000));
    const err = await onnxAdapter.inspect(dir, options('broken')).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isModelhubError(err) && err.code).toBe('UNSUPPORTED_MODEL');
  });
});

describe('a later load of the same model file (its sha256 known)', () => {
  const embedAll = async (
    extractor: Awaited<ReturnType<typeof onnxAdapter.loadFeatureExtractor>>,
  ): Promise<Float32Array[]> => {
    try {
      return (await extractor.embed(words)).vectors.map((v) => v ?? new Float32Array());
    } finally {
      await extractor.dispose();
    }
  };

  it('reuses the tap, the edited graph and the traced axes, with the same features as parsing the graph', async () => {
    const workDir = join(work, 'plan-cache');
    const { sha256 } = await hashFile(join(recDir, 'model.onnx'));
    const asked: string[] = [];
    const sha256Of = (path: string): Promise<string> => {
      asked.push(path);
      return Promise.resolve(sha256);
    };
    const parsed = await embedAll(
      await onnxAdapter.loadFeatureExtractor(recDir, { modelId: 'rec', workDir }),
    );
    expect(await readdir(workDir)).not.toContain('onnx-plans');

    const first = await onnxAdapter.loadFeatureExtractor(recDir, { modelId: 'rec', workDir, sha256Of });
    expect(asked).toEqual([join(recDir, 'model.onnx')]);
    const plans = await readdir(join(workDir, 'onnx-plans'));
    expect(plans).toHaveLength(1);
    const plan = JSON.parse(await readFile(join(workDir, 'onnx-plans', plans[0] ?? ''), 'utf8')) as {
      tap: { tensor: string };
      traced: Array<[string, Array<string | null>]>;
      tappedPath: string;
    };
    expect(plan.tap.tensor).toBe('transpose_51.tmp_0');
    expect(plan.traced).toEqual([['transpose_51.tmp_0', [null, 'width', null]]]);
    expect(plan.tappedPath).toBe((first as unknown as { modelPath: string }).modelPath);
    const fromFirst = await embedAll(first);

    // The graph itself is not read again: a copy whose model file is cut short still opens from
    // the plan, because the caller vouches for its sha256 (as `hub predict` does after verifying).
    const copy = join(work, 'rec-copy');
    await cp(recDir, copy, { recursive: true });
    const full = await readFile(join(copy, 'model.onnx'));
    await writeFile(join(copy, 'model.onnx'), full.subarray(0, 1000));
    // The preprocessing given, as a head gives it: nothing is left to read off the graph.
    const second = await onnxAdapter.loadFeatureExtractor(copy, {
      modelId: 'rec',
      workDir,
      sha256Of,
      preprocess: first.preprocess,
    });
    expect(second.tap).toEqual(first.tap);
    const fromPlan = await embedAll(second);
    for (const [i, v] of parsed.entries()) {
      expect([...(fromFirst[i] ?? [])]).toEqual([...v]);
      expect([...(fromPlan[i] ?? [])]).toEqual([...v]);
    }
  });

  it('traces again for another probe size, and parses again when the edited graph is gone', async () => {
    const workDir = join(work, 'plan-cache-2');
    const { sha256 } = await hashFile(join(recDir, 'model.onnx'));
    const sha256Of = (): Promise<string> => Promise.resolve(sha256);
    const first = await onnxAdapter.loadFeatureExtractor(recDir, { modelId: 'rec', workDir, sha256Of });
    const spec = requireImageSpec(first.preprocess, 'test');
    await first.dispose();
    const planDir = join(workDir, 'onnx-plans');
    const [planFile = ''] = await readdir(planDir);
    const traceKeyOf = async (): Promise<string> =>
      (JSON.parse(await readFile(join(planDir, planFile), 'utf8')) as { traceKey: string }).traceKey;
    const before = await traceKeyOf();

    if (spec.pad === null) {
      throw new Error('ppocr-rec pads');
    }
    const narrow = {
      ...spec,
      resize: { ...spec.resize, width: 160 },
      crop: { ...spec.crop, width: 160 },
      pad: { ...spec.pad, width: 160 },
    };
    const reference = await embedAll(
      await onnxAdapter.loadFeatureExtractor(recDir, {
        modelId: 'rec',
        workDir: join(work, 'x'),
        preprocess: narrow,
      }),
    );
    const retraced = await embedAll(
      await onnxAdapter.loadFeatureExtractor(recDir, {
        modelId: 'rec',
        workDir,
        sha256Of,
        preprocess: narrow,
      }),
    );
    expect(await traceKeyOf()).not.toBe(before);
    expect(await traceKeyOf()).toContain('160');
    expect(retraced.map((v) => [...v])).toEqual(reference.map((v) => [...v]));

    await rm(join(workDir, 'onnx-taps'), { recursive: true });
    const again = await onnxAdapter.loadFeatureExtractor(recDir, { modelId: 'rec', workDir, sha256Of });
    await expect(readFile((again as unknown as { modelPath: string }).modelPath)).resolves.toBeInstanceOf(
      Buffer,
    );
    await again.dispose();
  });

  it('loads a tap chosen among candidates from the graph edited for all of them, and writes no second copy', async () => {
    const workDir = join(work, 'plan-cache-3');
    const { sha256 } = await hashFile(join(recDir, 'model.onnx'));
    const sha256Of = (): Promise<string> => Promise.resolve(sha256);
    const candidates = await onnxAdapter.loadCandidateExtractor?.(recDir, {
      modelId: 'rec',
      workDir,
      sha256Of,
      poolings: ['mean'],
      padding: ['full'],
    });
    if (candidates === undefined) {
      throw new Error('the ONNX adapter offers candidates');
    }
    // The three taps, then the automatic one joined with a grid view of the map its neck pools.
    const earlier = candidates.variants.at(-2);
    const joined = candidates.variants.at(-1);
    if (earlier === undefined || joined === undefined || candidates.variants.length !== 4) {
      throw new Error('ppocr-rec has earlier taps and a map to view on a grid');
    }
    expect(joined.tap.tensor).toBe(candidates.variants[0]?.tap.tensor);
    expect(joined.tap.views?.map((v) => [v.tensor, v.grid, v.dim])).toEqual([
      ['p2o.Add.231', { rows: 3, cols: 4 }, 480 * 12],
    ]);
    expect(joined.tap.dim).toBe(120 + 480 * 12);
    const embedded = (await candidates.embed(words)).vectors;
    await candidates.dispose();
    const taps = await readdir(join(workDir, 'onnx-taps'));
    expect(taps).toHaveLength(1);
    // one plan per tap, and one for the joined views
    expect(await readdir(join(workDir, 'onnx-plans'))).toHaveLength(candidates.variants.length);

    // As a head pins each: that tensor (and views), pooled and preprocessed as chosen.
    for (const [index, variant] of [
      [2, earlier],
      [3, joined],
    ] as const) {
      const head = await onnxAdapter.loadFeatureExtractor(recDir, {
        modelId: 'rec',
        workDir,
        sha256Of,
        layer: variant.tap.tensor,
        pooling: 'mean',
        ...(variant.tap.views === undefined ? {} : { views: variant.tap.views }),
        preprocess: variant.preprocess,
      });
      expect((head as unknown as { modelPath: string }).modelPath).toBe(
        join(workDir, 'onnx-taps', taps[0] ?? '', 'model.onnx'),
      );
      expect(head.tap).toEqual(variant.tap);
      const fromHead = (await embedAll(head)).map((v) => [...v]);
      expect(await readdir(join(workDir, 'onnx-taps'))).toEqual(taps);
      expect(fromHead).toEqual(embedded.map((v) => [...(v?.[index] ?? [])]));
    }
  });
});
