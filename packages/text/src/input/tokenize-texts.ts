import { ModelhubError, isModelhubError, type EmbedFailure, type ModelInput } from '@modelhub/core';

import type { TextTokenizer, TokenizedText } from '../tokenizer.ts';
import { describeTextInput, readTextInput } from './read-text-input.ts';

/** One readable input, tokenized, with its place in the caller's list. */
export interface TokenizedInput {
  readonly index: number;
  readonly tokens: TokenizedText;
  readonly name: string;
}

/** The inputs of one embed call, read and tokenized; unreadable ones become failures, not throws. */
export interface TokenizedInputs {
  readonly ready: TokenizedInput[];
  readonly failures: EmbedFailure[];
  /** The texts cut at the model's length. */
  readonly truncated: TokenizedInput[];
}

/**
 * Reads and tokenizes the inputs of an embed call the same way for every text runtime: a file that
 * cannot be read or decoded fails alone (INVALID_INPUT naming it) and the others go on.
 */
export async function tokenizeInputs(
  inputs: readonly ModelInput[],
  tokenizer: TextTokenizer,
): Promise<TokenizedInputs> {
  const ready: TokenizedInput[] = [];
  const failures: EmbedFailure[] = [];
  for (let index = 0; index < inputs.length; index++) {
    const input = inputs[index] as ModelInput;
    try {
      const { text, name } = await readTextInput(input);
      ready.push({ index, tokens: tokenizer.encode(text), name });
    } catch (error) {
      const wrapped = isModelhubError(error)
        ? error
        : new ModelhubError('INVALID_INPUT', `Cannot read ${describeTextInput(input)}`, { cause: error });
      failures.push({ index, input: describeTextInput(input), error: wrapped });
    }
  }
  return { ready, failures, truncated: ready.filter((r) => r.tokens.truncated) };
}

/** The one warning an extractor gives, the first time texts were cut at the model's length. */
export function truncationWarning(
  truncated: readonly TokenizedInput[],
  maxTokens: number,
  modelId: string,
): string {
  return `${truncated.length} text(s) are longer than ${maxTokens} tokens, the most ${modelId} takes, and were cut at the end (first: ${truncated[0]?.name ?? '?'}).`;
}

/**
 * The truncation warning of one extractor: given with the first embed call that cuts texts, then
 * never again, so a corpus of long texts does not repeat it for every batch.
 */
export class TruncationWarning {
  private given = false;
  private readonly maxTokens: number;
  private readonly modelId: string;

  constructor(maxTokens: number, modelId: string) {
    this.maxTokens = maxTokens;
    this.modelId = modelId;
  }

  /** The warnings of one embed call: the truncation warning the first time texts were cut, else none. */
  take(truncated: readonly TokenizedInput[]): string[] {
    if (truncated.length === 0 || this.given) {
      return [];
    }
    this.given = true;
    return [truncationWarning(truncated, this.maxTokens, this.modelId)];
  }
}
