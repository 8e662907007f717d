import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { preprocessSpecSchema } from '@modelhub/core/schemas';

import { resolvePreprocess } from './resolve-preprocess.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vision-resolve-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});
const put = (name: string, json: unknown): Promise<void> => writeFile(join(dir, name), JSON.stringify(json));

describe('resolvePreprocess', () => {
  it('reads a HF preprocessor_config.json and writes out its defaults', async () => {
    await put('preprocessor_config.json', {
      do_normalize: true,
      image_mean: [0.485, 0.456, 0.406],
      image_std: [0.229, 0.224, 0.225],
      size: { shortest_edge: 256 },
      do_center_crop: true,
      crop_size: 224,
      resample: 3,
    });
    // A timm config further down the order must be ignored.
    await put('config.json', { pretrained_cfg: { input_size: [3, 999, 999] } });
    const { spec, warnings } = await resolvePreprocess(dir, { inputShape: ['batch', 3, 224, 224] });
    expect(spec).toMatchObject({
      source: 'preprocessor_config.json',
      resize: { mode: 'shortest_edge', height: 256, width: 256, resample: 'bicubic', antialias: true },
      crop: { mode: 'center', height: 224, width: 224 },
      rescale: { scale: 1 / 255, offset: 0 },
      normalize: { mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] },
      layout: 'NCHW',
    });
    expect(warnings).toEqual([expect.stringMatching(/do_rescale/)]);
  });

  it('does not normalise when a HF config has neither do_normalize nor statistics', async () => {
    await put('preprocessor_config.json', { size: { height: 32, width: 64 }, do_rescale: true });
    const { spec, warnings } = await resolvePreprocess(dir);
    expect(spec.normalize).toBeNull();
    expect(spec.resize).toMatchObject({ mode: 'exact', height: 32, width: 64, resample: 'bilinear' });
    expect(warnings.join('\n')).toMatch(/resample/);
  });

  it('reads timm pretrained_cfg with crop_pct', async () => {
    await put('config.json', {
      architecture: 'resnet18',
      pretrained_cfg: {
        input_size: [3, 224, 224],
        interpolation: 'bilinear',
        crop_pct: 0.95,
        mean: [0, 0, 0],
        std: [1, 1, 1],
      },
    });
    const { spec, warnings } = await resolvePreprocess(dir);
    expect(spec).toMatchObject({
      source: 'config.json#pretrained_cfg',
      resize: { mode: 'shortest_edge', height: 235, width: 235, resample: 'bilinear' },
      crop: { mode: 'center', height: 224, width: 224 },
      normalize: { mean: [0, 0, 0], std: [1, 1, 1] },
    });
    expect(warnings).toEqual([]);
  });

  it('reads Teachable Machine metadata.json (x/127 - 1, NHWC)', async () => {
    await put('metadata.json', { tmVersion: '2.4.7', imageSize: 224, labels: ['a', 'b'] });
    const { spec } = await resolvePreprocess(dir);
    expect(spec).toMatchObject({
      source: 'metadata.json',
      rescale: { scale: 1 / 127, offset: -1 },
      crop: { mode: 'center', height: 224, width: 224 },
      layout: 'NHWC',
    });
  });

  it('uses a family preset from modelhub.json or hints, with a warning', async () => {
    await put('modelhub.json', { family: 'ppocr-rec' });
    const rec = await resolvePreprocess(dir);
    expect(rec.spec).toMatchObject({
      source: 'preset:ppocr-rec',
      decode: { color: 'bgr' },
      resize: { mode: 'fit_height', height: 48, width: 320 },
      pad: { height: 48, width: 320, value: 0 },
      normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
      layout: 'NCHW',
    });
    expect(rec.warnings.join('\n')).toMatch(/family preset/);

    const other = await mkdtemp(join(tmpdir(), 'vision-resolve-'));
    try {
      const mobilenet = await resolvePreprocess(other, {
        family: 'inception-tfjs',
        inputShape: [-1, 299, 299, 3],
      });
      expect(mobilenet.spec).toMatchObject({
        resize: { mode: 'exact', height: 299, width: 299, antialias: false, alignCorners: true },
        rescale: { scale: 1 / 255, offset: 0 },
        normalize: null,
        layout: 'NHWC',
      });
      const cls = await resolvePreprocess(other, { family: 'ppocr-cls', inputShape: [-1, 3, 48, 192] });
      expect(cls.spec.pad).toEqual({ height: 48, width: 192, value: 0 });
      expect(cls.warnings).toHaveLength(1);
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });

  it('merges a partial modelhub.json preprocessing over the base it found', async () => {
    await put('metadata.json', { tmVersion: '2.4.7', imageSize: 96 });
    await put('modelhub.json', {
      preprocessing: { rescale: { scale: 1 / 127.5 }, decode: { alpha: 'black' } },
    });
    const { spec } = await resolvePreprocess(dir);
    expect(spec.source).toBe('metadata.json+modelhub.json');
    expect(spec.rescale).toEqual({ scale: 1 / 127.5, offset: -1 });
    expect(spec.decode).toEqual({ exifOrient: true, color: 'rgb', alpha: 'black' });
    expect(spec.crop.height).toBe(96);
  });

  it('accepts a full spec in modelhub.json and validates it', async () => {
    const full = (await resolvePreprocess(dir, { family: 'mobilenet-tfjs' })).spec;
    await put('modelhub.json', { preprocessing: { ...full, layout: 'NCHW' } });
    const { spec, warnings } = await resolvePreprocess(dir, {
      inputShape: [null as unknown as number, 224, 224, 3],
    });
    expect(preprocessSpecSchema().parse(spec).layout).toBe('NCHW');
    expect(warnings.join('\n')).toMatch(/looks NHWC/);

    await put('modelhub.json', { preprocessing: { layout: 'CHW' } });
    await expect(resolvePreprocess(dir)).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
  });

  it('guesses from the input shape with a warning, and refuses when nothing is known', async () => {
    const guessed = await resolvePreprocess(dir, { inputShape: [-1, 128, 160, 3] });
    expect(guessed.spec).toMatchObject({
      resize: { mode: 'exact', height: 128, width: 160 },
      layout: 'NHWC',
    });
    expect(guessed.warnings.join('\n')).toMatch(/guessing from the input shape/);
    await expect(resolvePreprocess(dir)).rejects.toMatchObject({ code: 'UNSUPPORTED_MODEL' });
    await expect(resolvePreprocess(dir, { family: 'nope' })).rejects.toMatchObject({
      code: 'UNSUPPORTED_MODEL',
    });
  });

  it('reports a malformed config file', async () => {
    await writeFile(join(dir, 'preprocessor_config.json'), '{ not json');
    await expect(resolvePreprocess(dir)).rejects.toMatchObject({ code: 'INVALID_MANIFEST' });
  });
});
