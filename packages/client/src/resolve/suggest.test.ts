import { describe, expect, it } from 'vitest';

import { didYouMean, editDistance } from './suggest.ts';

describe('did you mean', () => {
  it('measures edit distance', () => {
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('ABC', 'abc')).toBe(0);
  });

  it('suggests close names and nothing for far ones', () => {
    expect(didYouMean('modelhub/ppocr-recc', ['modelhub/ppocr-rec', 'modelhub/silero-vad'])).toBe(
      'Did you mean modelhub/ppocr-rec?',
    );
    expect(didYouMean('model.onxx', ['model.onnx', 'README.md'])).toBe('Did you mean model.onnx?');
    expect(didYouMean('zzzzzzzz', ['modelhub/ppocr-rec'])).toBeUndefined();
  });
});
