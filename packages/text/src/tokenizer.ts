/** One text as token ids, cut to the model's length. */
export interface TokenizedText {
  readonly ids: readonly number[];
  /** Segment ids (all 0 for a single text); same length as `ids`. */
  readonly typeIds: readonly number[];
  /** True when tokens past the model's limit were dropped. */
  readonly truncated: boolean;
}

/** What every tokenizer offers the extractors: text in, ids out, never longer than `maxTokens`. */
export interface TextTokenizer {
  readonly maxTokens: number;
  encode(text: string): TokenizedText;
}
