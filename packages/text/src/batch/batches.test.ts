import { describe, expect, it } from 'vitest';

import { idsMaskBatch } from './ids-mask-batch.ts';
import { sparseBatch } from './sparse-batch.ts';

const texts = [
  { ids: [2, 5, 3], typeIds: [0, 0, 0], truncated: false },
  { ids: [2, 3], typeIds: [0, 1], truncated: false },
];

describe('text batches', () => {
  it('pads ids to the longest text and masks the padding', () => {
    const b = idsMaskBatch(texts);
    expect(b.length).toBe(3);
    expect(Array.from(b.inputIds)).toEqual([2n, 5n, 3n, 2n, 3n, 0n]);
    expect(Array.from(b.attentionMask)).toEqual([1n, 1n, 1n, 1n, 1n, 0n]);
    expect(Array.from(b.tokenTypeIds)).toEqual([0n, 0n, 0n, 0n, 1n, 0n]);
    expect(Array.from(b.mask)).toEqual([1, 1, 1, 1, 1, 0]);
  });

  it('lays texts out as USE sparse (row, position) → id', () => {
    const b = sparseBatch(texts);
    expect(Array.from(b.indices)).toEqual([0, 0, 0, 1, 0, 2, 1, 0, 1, 1]);
    expect(Array.from(b.values)).toEqual([2, 5, 3, 2, 3]);
  });
});
