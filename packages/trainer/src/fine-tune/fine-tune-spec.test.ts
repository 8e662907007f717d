import { describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';

import { assertFineTunable, parseFineTune } from './fine-tune-spec.ts';

describe('fine-tune spec', () => {
  it('parses none, last:N and all, and rejects anything else', () => {
    expect(parseFineTune('none')).toEqual({ mode: 'none' });
    expect(parseFineTune('last:3')).toEqual({ mode: 'last', layers: 3 });
    expect(parseFineTune('all')).toEqual({ mode: 'all' });
    for (const bad of ['last:0', 'last:', 'last:x', 'some', '']) {
      expect(() => parseFineTune(bad)).toThrow(/not one of none, last:N/);
    }
  });

  it('refuses ONNX and TF.js graph backbones with the reason and Option 1 as the way out', () => {
    const onnx = (() => {
      try {
        assertFineTunable('onnx', { mode: 'last', layers: 2 }, 'modelhub/ppocr-rec@abc');
        return undefined;
      } catch (error) {
        return error;
      }
    })();
    expect(isModelhubError(onnx) && onnx.code).toBe('UNSUPPORTED_MODEL');
    expect(String((onnx as Error).message)).toMatch(
      /--fine-tune last:2 cannot train modelhub\/ppocr-rec@abc: onnxruntime-node only runs models forward/,
    );
    expect(isModelhubError(onnx) ? onnx.hint : '').toMatch(/Option 1/);
    expect(() => assertFineTunable('tfjs-graph', { mode: 'all' }, 'm')).toThrow(/frozen graph/);
    expect(() => assertFineTunable('onnx', { mode: 'none' }, 'm')).not.toThrow();
    expect(() => assertFineTunable('pixels', { mode: 'all' }, 'm')).toThrow(/no backbone to train/);
  });

  it('accepts TF.js layers backbones for last:N and all', () => {
    expect(() => assertFineTunable('tfjs-layers', { mode: 'last', layers: 2 }, 'm')).not.toThrow();
    expect(() => assertFineTunable('tfjs-layers', { mode: 'all' }, 'm')).not.toThrow();
  });
});
