import { describe, expect, it } from 'vitest';

import { hfTextTokenizer } from './hf-text-tokenizer.ts';
import { wordPieceTokenizerJson } from '@modelhub/testing';

describe('hfTextTokenizer (tokenizer.json through @huggingface/tokenizers)', () => {
  const tokenizer = hfTextTokenizer(wordPieceTokenizerJson(), { model_max_length: 8 }, 8, 'tokenizer.json');

  it('encodes a BERT-style WordPiece tokenizer with [CLS] … [SEP]', () => {
    const out = tokenizer.encode('Hello world');
    // [CLS]=2 hello=5 world=6 [SEP]=3
    expect(out).toEqual({ ids: [2, 5, 6, 3], typeIds: [0, 0, 0, 0], truncated: false });
    expect(tokenizer.encode('playing').ids).toEqual([2, 7, 8, 3]); // play ##ing
  });

  it('cuts a long text to the limit and keeps the special tokens around it', () => {
    const out = tokenizer.encode('hello world hello world hello world hello world');
    expect(out.truncated).toBe(true);
    expect(out.ids).toEqual([2, 5, 6, 5, 6, 5, 6, 3]);
    expect(out.typeIds).toHaveLength(8);
  });

  it('says which file cannot be loaded', () => {
    expect(() => hfTextTokenizer({ model: { type: 'Nope' } }, {}, 8, '/m/tokenizer.json')).toThrow(
      /\/m\/tokenizer\.json cannot be loaded/,
    );
  });
});
