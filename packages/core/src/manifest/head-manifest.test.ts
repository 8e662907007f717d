import { describe, expect, it } from 'vitest';

import { parseHeadManifest } from './head-manifest.ts';

const valid = {
  format: 'modelhub-head',
  formatVersion: 1,
  task: 'image-classification',
  base: {
    endpoint: 'http://127.0.0.1:8080',
    repo: 'modelhub/ppocr-rec',
    commit: 'a'.repeat(40),
    files: [{ path: 'model.onnx', size: 10, sha256: 'b'.repeat(64) }],
  },
  feature: { tensor: 'transpose_51.tmp_0', runtime: 'onnx', pooling: 'mean', dim: 120 },
  preprocessing: {
    source: 'modelhub.json',
    decode: { exifOrient: true, color: 'bgr', alpha: 'white' },
    resize: { mode: 'fit_height', height: 48, width: 320, resample: 'bilinear', antialias: true },
    crop: { mode: 'none', height: 48, width: 320 },
    pad: { height: 48, width: 320, value: 0 },
    rescale: { scale: 1 / 127.5, offset: -1 },
    normalize: null,
    layout: 'NCHW',
    dtype: 'float32',
  },
  labels: ['0', '1'],
  head: { type: 'linear', hidden: [], file: 'head.onnx', sha256: 'c'.repeat(64), opset: 13 },
  training: { seed: 1 },
  dataset: { manifestSha256: 'd'.repeat(64), perClass: { '0': 5, '1': 5 } },
  metrics: {},
  createdAt: '2026-11-27T03:00:00.000Z',
  createdBy: 'modelhub 0.1.0',
};

describe('parseHeadManifest', () => {
  it('accepts a complete manifest', () => {
    expect(parseHeadManifest(valid).base.repo).toBe('modelhub/ppocr-rec');
  });

  it('lists every problem of an invalid one', () => {
    const broken = { ...valid, labels: ['only'], base: { ...valid.base, commit: 'main' } };
    expect(() => parseHeadManifest(broken, 'x/modelhub.json')).toThrow(
      /x\/modelhub.json[\s\S]*base.commit[\s\S]*labels/,
    );
  });
});
