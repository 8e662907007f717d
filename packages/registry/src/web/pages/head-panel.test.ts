import { describe, expect, it } from 'vitest';

import { parseHeadManifest } from '@modelhub/core/schemas';

import { headPanel } from './head-panel.ts';
import type { HeadView } from './head-view.ts';

/** A head manifest as hub train writes it, with the metrics record `hub train` chose. */
function view(
  training: Record<string, unknown>,
  metrics: Record<string, unknown>,
  preprocessing?: Record<string, unknown>,
): HeadView {
  const manifest = parseHeadManifest({
    format: 'modelhub-head',
    formatVersion: 1,
    task: 'image-classification',
    base: {
      endpoint: 'http://127.0.0.1:8080',
      repo: 'modelhub/mobilenet-v2',
      commit: 'a'.repeat(40),
      files: [{ path: 'model.json', size: 10, sha256: 'b'.repeat(64) }],
    },
    feature: { tensor: 'flatten_1', runtime: 'tfjs-layers', pooling: 'none', dim: 1280 },
    preprocessing: preprocessing ?? {
      source: 'preset:mobilenet-tfjs',
      decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
      resize: { mode: 'exact', height: 224, width: 224, resample: 'bilinear', antialias: false },
      crop: { mode: 'none', height: 224, width: 224 },
      pad: null,
      rescale: { scale: 1 / 255, offset: 0 },
      normalize: null,
      layout: 'NHWC',
      dtype: 'float32',
    },
    labels: ['cat', 'dog'],
    head: { type: 'linear', hidden: [], file: 'head.onnx', sha256: 'c'.repeat(64), opset: 13 },
    training,
    dataset: { manifestSha256: 'd'.repeat(64), perClass: { cat: 40, dog: 40 } },
    metrics,
    createdAt: '2026-12-06T17:00:00.000Z',
    createdBy: 'hub train',
  });
  return {
    manifest,
    base: {
      repo: 'modelhub/mobilenet-v2',
      commit: 'a'.repeat(40),
      endpoint: 'http://127.0.0.1:8080',
      local: true,
      currentMain: undefined,
    },
    confusionUrl: undefined,
  };
}

function caption(v: HeadView): string {
  const match = /<caption>([\s\S]*?)<\/caption>/.exec(headPanel(v).text);
  return (match?.[1] ?? '').replace(/\s+/g, ' ').trim();
}

describe('head page metrics', () => {
  it('says cross-validated scores are out of fold, not from a held-out split', () => {
    const cv = view(
      { selection: { method: 'stratified-k-fold', k: 5 }, split: { train: 80, validation: 0 } },
      { validation: { count: 80, accuracy: 0.7875 }, validationKind: 'cross-validated' },
    );
    expect(caption(cv)).toBe(
      'Out-of-fold scores of hub train’s 5-fold cross-validation on the training data (80 examples); the head was then refitted on all of it',
    );
  });

  it('says held-out scores come from the validation split', () => {
    const heldOut = view(
      { split: { train: 64, validation: 16 } },
      { validation: { count: 16, accuracy: 0.75 }, validationKind: 'held-out' },
    );
    expect(caption(heldOut)).toBe('Measured on the validation split held out by hub train (16 examples)');
  });
});

describe('head page recipe', () => {
  it('gives records as their fields and a list of candidates by its length, never as JSON', () => {
    const cv = view(
      {
        selection: {
          method: 'stratified-k-fold',
          k: 5,
          chosen: { tap: 'p2o.Concat.8', pooling: 'meanmax', c: 10 },
          candidates: [{ tap: 'a' }, { tap: 'b' }, { tap: 'c' }],
        },
        split: { train: 80, validation: 0 },
      },
      { validation: { count: 80, accuracy: 0.7875 }, validationKind: 'cross-validated' },
    );
    const recipe = /<h2 id="recipe-title">[\s\S]*?<\/dl>/.exec(headPanel(cv).text)?.[0] ?? '';
    expect(recipe).toContain(
      'method stratified-k-fold; k 5; chosen (tap p2o.Concat.8, pooling meanmax, c 10); candidates 3 entries',
    );
    expect(recipe).toContain('train 80; validation 0');
    expect(recipe).not.toMatch(/[{}]|&quot;/);
  });
});

describe('head page labels', () => {
  const labels = (v: HeadView): string =>
    (/<ol class="labels">([\s\S]*?)<\/ol>/.exec(headPanel(v).text)?.[1] ?? '').replace(/\s+/g, ' ');
  const metrics = { validation: { count: 80, accuracy: 0.8 }, validationKind: 'cross-validated' };

  it('counts an image head’s examples as images', () => {
    expect(labels(view({}, metrics))).toContain('cat <span class="muted">(40 images)</span>');
  });

  it('counts a text head’s examples as texts, not images', () => {
    const text = view({}, metrics, {
      modality: 'text',
      source: 'modelhub.json',
      tokenizer: { kind: 'use-sentencepiece', file: 'vocab.json', sha256: 'e'.repeat(64) },
      maxTokens: 128,
      truncation: 'end',
      inputs: 'sparse-ids',
    });
    expect(labels(text)).toContain('cat <span class="muted">(40 texts)</span>');
    expect(labels(text)).not.toContain('images');
  });
});

describe('head page self-check', () => {
  const recipe = (v: HeadView): string =>
    (/<h2 id="recipe-title">[\s\S]*?<\/dl>/.exec(headPanel(v).text)?.[0] ?? '').replace(/\s+/g, ' ');
  const metrics = { validation: { count: 80, accuracy: 0.8 }, validationKind: 'cross-validated' };

  it('shows what the probe gave at training time, or that the head recorded none', () => {
    const checked = view({}, metrics);
    const withCheck: HeadView = {
      ...checked,
      manifest: {
        ...checked.manifest,
        check: { probe: 'modelhub-probe-1', features: [0.5, -0.25], probabilities: [0.25, 0.75] },
      },
    };
    expect(recipe(withCheck)).toContain(
      'recorded with <code>modelhub-probe-1</code> (its top label “dog” at 0.750); hub predict and fromPretrained compare features and probabilities on every load',
    );
    expect(recipe(checked)).toContain('none recorded (a head made before the self-check existed)');
  });
});

describe('head page feature tap', () => {
  const tap = (v: HeadView): string =>
    (/<dt>Feature tap<\/dt>\s*<dd>([\s\S]*?)<\/dd>/.exec(headPanel(v).text)?.[1] ?? '')
      .replace(/\s+/g, ' ')
      .trim();
  const metrics = { validation: { count: 80, accuracy: 0.8 }, validationKind: 'cross-validated' };

  it('names the tap, its pooling and length, and the grid views it joins', () => {
    const plain = view({}, metrics);
    expect(tap(plain)).toBe('<code>flatten_1</code> (none pooling, 1280-d)');
    const joined: HeadView = {
      ...plain,
      manifest: {
        ...plain.manifest,
        feature: {
          tensor: 'seq',
          runtime: 'onnx',
          pooling: 'meanmax',
          dim: 240 + 5760,
          views: [{ tensor: 'map', pooling: 'grid', grid: { rows: 3, cols: 4 }, weight: 0.7, dim: 5760 }],
        },
      },
    };
    expect(tap(joined)).toBe('<code>seq</code> (meanmax pooling + map on a 3×4 grid (weight 0.7), 6000-d)');
  });
});
