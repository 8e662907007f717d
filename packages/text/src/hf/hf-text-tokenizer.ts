import { createRequire } from 'node:module';

import { ModelhubError } from '@modelhub/core';

import type { TextTokenizer, TokenizedText } from '../tokenizer.ts';

/** The part of `@huggingface/tokenizers`' Tokenizer used here (its published .d.ts files use extensionless imports, which NodeNext type resolution cannot follow). */
interface HfTokenizer {
  encode(
    text: string,
    options: { add_special_tokens?: boolean; return_token_type_ids?: boolean },
  ): { ids: number[]; token_type_ids?: number[] };
}
type TokenizerClass = new (tokenizerJson: object, tokenizerConfig: object) => HfTokenizer;

const requireHere = createRequire(import.meta.url);
let tokenizerClass: TokenizerClass | undefined;

/**
 * `@huggingface/tokenizers` (its CommonJS build), loaded by the first tokenizer made: every
 * command on images or sounds would otherwise load it with this package (~8 ms).
 */
function loadTokenizerClass(): TokenizerClass {
  tokenizerClass ??= (requireHere('@huggingface/tokenizers') as { Tokenizer: TokenizerClass }).Tokenizer;
  return tokenizerClass;
}

/** Where `inner` sits inside `outer`, or -1 (finds the text's tokens between the special tokens). */
function indexOfRun(outer: readonly number[], inner: readonly number[]): number {
  if (inner.length === 0) {
    return -1;
  }
  for (let at = 0; at + inner.length <= outer.length; at++) {
    if (inner.every((id, k) => outer[at + k] === id)) {
      return at;
    }
  }
  return -1;
}

/**
 * A Hugging Face `tokenizer.json` (with its `tokenizer_config.json`) through `@huggingface/tokenizers`,
 * the field's own JS tokenizer. That library does not truncate, so a long text is cut here: its
 * tokens without special tokens are located inside the full encoding, shortened, and the special
 * tokens the post-processor added around them (e.g. `[CLS] … [SEP]`) are kept.
 */
export function hfTextTokenizer(
  tokenizerJson: object,
  tokenizerConfig: object,
  maxTokens: number,
  source: string,
): TextTokenizer {
  let tokenizer: HfTokenizer;
  try {
    const Tokenizer = loadTokenizerClass();
    tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  } catch (cause) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${source} cannot be loaded as a tokenizer: ${String(cause)}`,
      {
        hint: 'Use the tokenizer.json published with the model (Hugging Face tokenizers format).',
        details: { source },
        cause,
      },
    );
  }
  return {
    maxTokens,
    encode(text: string): TokenizedText {
      const full = tokenizer.encode(text, { return_token_type_ids: true });
      const typeIds = full.token_type_ids ?? full.ids.map(() => 0);
      if (full.ids.length <= maxTokens) {
        return { ids: full.ids, typeIds, truncated: false };
      }
      const content = tokenizer.encode(text, { add_special_tokens: false }).ids;
      const at = indexOfRun(full.ids, content);
      if (at < 0) {
        // A post-processor that rewrites the text's tokens: keep the head of the full encoding.
        return { ids: full.ids.slice(0, maxTokens), typeIds: typeIds.slice(0, maxTokens), truncated: true };
      }
      const suffix = full.ids.length - at - content.length;
      const keep = Math.max(0, maxTokens - at - suffix);
      const pick = <T>(xs: readonly T[]): T[] => [
        ...xs.slice(0, at + keep),
        ...xs.slice(at + content.length),
      ];
      return { ids: pick(full.ids), typeIds: pick(typeIds), truncated: true };
    },
  };
}
