import { ModelhubError } from '@modelhub/core';

import type { TextTokenizer, TokenizedText } from '../tokenizer.ts';
import { UseTokenizer, type UsePiece } from './use-tokenizer.ts';

/** The USE SentencePiece tokenizer behind the common interface: ids only, cut at `maxTokens`. */
export function useTextTokenizer(vocab: readonly UsePiece[], maxTokens: number): TextTokenizer {
  const tokenizer = new UseTokenizer(vocab);
  return {
    maxTokens,
    encode(text: string): TokenizedText {
      const all = tokenizer.encode(text);
      if (all.length === 0) {
        // A sparse batch has no row for a text without tokens: every later row would shift.
        throw new ModelhubError('INVALID_INPUT', 'The text has nothing but spaces and control characters.', {
          hint: 'Give each example some text (or leave it out with --skip-bad).',
        });
      }
      const ids = all.length > maxTokens ? all.slice(0, maxTokens) : all;
      return { ids, typeIds: ids.map(() => 0), truncated: all.length > maxTokens };
    },
  };
}
