import { describe, expect, it } from 'vitest';

import type { PreprocessSpec } from '@modelhub/core';

import { familyPresets } from '../preprocess/family-presets.ts';
import { resamplePoint } from './resample.ts';
import { resizeTarget, specOutputDims } from './resize-target.ts';

const resize = (
  mode: PreprocessSpec['resize']['mode'],
  height: number,
  width: number,
): PreprocessSpec['resize'] => ({
  mode,
  height,
  width,
  resample: 'bilinear',
  antialias: true,
});

describe('resizeTarget', () => {
  it('computes each mode', () => {
    expect(resizeTarget(resize('exact', 10, 20), 100, 100)).toEqual({ height: 10, width: 20 });
    expect(resizeTarget(resize('none', 10, 20), 7, 9)).toEqual({ height: 7, width: 9 });
    // HF shortest_edge 256 on 480×640 (h×w): 256×341 (long side floored).
    expect(resizeTarget(resize('shortest_edge', 256, 256), 480, 640)).toEqual({ height: 256, width: 341 });
    expect(resizeTarget(resize('shortest_edge', 256, 256), 640, 480)).toEqual({ height: 341, width: 256 });
    expect(resizeTarget(resize('longest_edge', 100, 100), 50, 200)).toEqual({ height: 25, width: 100 });
    // PaddleOCR: ceil(48 · 100/32) = 150, capped at 320.
    expect(resizeTarget(resize('fit_height', 48, 320), 32, 100)).toEqual({ height: 48, width: 150 });
    expect(resizeTarget(resize('fit_height', 48, 320), 32, 1000)).toEqual({ height: 48, width: 320 });
  });
});

describe('specOutputDims', () => {
  it('gives the fixed dims of presets in their layout', () => {
    expect(specOutputDims(familyPresets['mobilenet-tfjs'] as PreprocessSpec)).toEqual([224, 224, 3]);
    expect(specOutputDims(familyPresets['ppocr-rec'] as PreprocessSpec)).toEqual([3, 48, 320]);
    const free = { ...(familyPresets['ppocr-rec'] as PreprocessSpec), pad: null };
    expect(specOutputDims(free)).toBeUndefined();
  });
});

describe('resamplePoint', () => {
  const ramp = { data: Float32Array.from([0, 10, 20, 30]), height: 1, width: 4, channels: 1 };
  it('nearest-neighbour and half-pixel bilinear downscale', () => {
    // Nearest samples the source pixel under the output pixel's centre (Pillow, torch 'nearest-exact').
    expect(Array.from(resamplePoint(ramp, 1, 2, 'nearest', false).data)).toEqual([10, 30]);
    expect(Array.from(resamplePoint(ramp, 1, 2, 'nearest', true).data)).toEqual([0, 30]);
    // Half-pixel centres: output x=0 samples source 0.5 → 5, x=1 samples 2.5 → 25.
    expect(Array.from(resamplePoint(ramp, 1, 2, 'bilinear', false).data)).toEqual([5, 25]);
    expect(Array.from(resamplePoint(ramp, 1, 2, 'bilinear', true).data)).toEqual([0, 30]);
  });
});
