import type { EmbedResult, FeatureExtractor, FeatureTap, ModelInput, TextSpec } from '@modelhub/core';
import { readTextInput } from '@modelhub/text';

import { decodeEach } from './decode-each.ts';

/** Lower-cased word tokens of two or more letters or digits (scikit-learn's default `token_pattern`). */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/\b\w\w+\b/gu) ?? [];
}

/**
 * The no-transfer baseline for text, "the raw pixels of text": TF-IDF over the word vocabulary of
 * `corpus` (the training texts), as scikit-learn's `TfidfVectorizer` defaults compute it (raw counts,
 * smooth idf `ln((1+n)/(1+df)) + 1`, rows L2-normalised). Words outside the corpus are ignored.
 */
export function tfidfExtractor(corpus: readonly string[]): FeatureExtractor {
  const df = new Map<string, number>();
  for (const text of corpus) {
    for (const word of new Set(wordTokens(text))) {
      df.set(word, (df.get(word) ?? 0) + 1);
    }
  }
  const vocabulary = [...df.keys()].sort();
  const index = new Map(vocabulary.map((w, i) => [w, i]));
  const idf = vocabulary.map((w) => Math.log((1 + corpus.length) / (1 + (df.get(w) ?? 0))) + 1);
  const dim = Math.max(1, vocabulary.length);
  const tap: FeatureTap = { tensor: 'tfidf:words', runtime: 'pixels', pooling: 'none', dim };
  const spec: TextSpec = {
    modality: 'text',
    source: 'tfidf',
    tokenizer: { kind: 'hf-tokenizers', file: 'tfidf', sha256: '0'.repeat(64) },
    maxTokens: 1_000_000,
    truncation: 'end',
    inputs: 'ids-mask',
  };
  const vectorize = (text: string): Float32Array => {
    const v = new Float32Array(dim);
    for (const word of wordTokens(text)) {
      const i = index.get(word);
      if (i !== undefined) {
        v[i] = (v[i] ?? 0) + (idf[i] ?? 0);
      }
    }
    const norm = Math.hypot(...v);
    return norm > 0 ? v.map((x) => x / norm) : v;
  };
  return {
    modelId: `tfidf/${vocabulary.length}-words`,
    dim,
    tap,
    preprocess: spec,
    embed: (inputs: readonly ModelInput[]): Promise<EmbedResult> =>
      decodeEach(inputs, 8, async (input) => vectorize((await readTextInput(input)).text)),
    dispose: () => Promise.resolve(),
  };
}
