import type { TextTokenizer, TokenizedText } from '../tokenizer.ts';
import { UseTokenizer, type UsePiece } from './use-tokenizer.ts';

/** The USE SentencePiece tokenizer behind the common interface: ids only, cut at `maxTokens`. */
export function useTextTokenizer(vocab: readonly UsePiece[], maxTokens: number): TextTokenizer {
  const tokenizer = new UseTokenizer(vocab);
  return {
    maxTokens,
    encode(text: string): TokenizedText {
      const all = tokenizer.encode(text);
      const ids = all.length > maxTokens ? all.slice(0, maxTokens) : all;
      return { ids, typeIds: ids.map(() => 0), truncated: all.length > maxTokens };
    },
  };
}
