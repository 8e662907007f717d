import type { EmbedResult, FeatureExtractor, FeatureTap, ModelInput, TextSpec } from '@modelhub/core';
import { readTextInput } from '@modelhub/text';

import { decodeEach } from './decode-each.ts';

/**
 * Lower-cased word tokens: runs of two or more letters, digits or `_` (scikit-learn's default
 * `token_pattern` `\b\w\w+\b`, whose `\w` is Unicode in Python; JavaScript's is ASCII only).
 */
export function wordTokens(text: string): string[] {
  return text.toLowerCase().match(/[\p{L}\p{N}_]{2,}/gu) ?? [];
}

/**
 * Lower-cased character n-grams inside word boundaries, as scikit-learn's `analyzer='char_wb'`
 * makes them: each whitespace-separated word is padded with one space on each side and cut into
 * every n-gram for n in `[min, max]`; a padded word shorter than n counts once, whole.
 */
export function charWbNgrams(text: string, min: number, max: number): string[] {
  const grams: string[] = [];
  for (const word of text
    .toLowerCase()
    .split(/\s+/u)
    .filter((w) => w !== '')) {
    const padded = [...` ${word} `];
    for (let n = min; n <= max; n++) {
      if (padded.length <= n) {
        grams.push(padded.join(''));
        break;
      }
      for (let at = 0; at + n <= padded.length; at++) {
        grams.push(padded.slice(at, at + n).join(''));
      }
    }
  }
  return grams;
}

/** Which TF-IDF: scikit-learn's `TfidfVectorizer` defaults unless said otherwise. */
export interface TfidfOptions {
  /** Also a block of `char_wb` n-grams of these lengths (e.g. `[2, 5]`), L2-normalised on its own. */
  readonly charNgrams?: readonly [min: number, max: number];
  /** `1 + ln(count)` instead of the raw count (`sublinear_tf=True`). @default false */
  readonly sublinearTf?: boolean;
}

/** One TF-IDF block over the training corpus: vocabulary, smooth idf, and a vectorizer into `out`. */
function tfidfBlock(
  corpus: readonly string[],
  analyze: (text: string) => string[],
  sublinearTf: boolean,
): { size: number; write: (text: string, out: Float32Array, offset: number) => void } {
  const df = new Map<string, number>();
  for (const text of corpus) {
    for (const term of new Set(analyze(text))) {
      df.set(term, (df.get(term) ?? 0) + 1);
    }
  }
  const vocabulary = [...df.keys()].sort();
  const index = new Map(vocabulary.map((w, i) => [w, i]));
  const idf = vocabulary.map((w) => Math.log((1 + corpus.length) / (1 + (df.get(w) ?? 0))) + 1);
  return {
    size: vocabulary.length,
    write(text, out, offset) {
      const counts = new Map<number, number>();
      for (const term of analyze(text)) {
        const i = index.get(term);
        if (i !== undefined) {
          counts.set(i, (counts.get(i) ?? 0) + 1);
        }
      }
      let norm = 0;
      for (const [i, count] of counts) {
        const tf = sublinearTf ? 1 + Math.log(count) : count;
        const v = tf * (idf[i] ?? 0);
        counts.set(i, v);
        norm += v * v;
      }
      norm = Math.sqrt(norm);
      for (const [i, v] of counts) {
        out[offset + i] = v / norm;
      }
    },
  };
}

/**
 * The no-transfer baseline for text, "the raw pixels of text": TF-IDF fitted on `corpus` (the
 * training texts) as scikit-learn computes it (smooth idf `ln((1+n)/(1+df)) + 1`, each block's rows
 * L2-normalised; with `charNgrams`, the word and character blocks side by side, as
 * `make_union(TfidfVectorizer(), TfidfVectorizer(analyzer='char_wb'))`). Terms outside the corpus
 * are ignored.
 */
export function tfidfExtractor(corpus: readonly string[], options: TfidfOptions = {}): FeatureExtractor {
  const sublinear = options.sublinearTf ?? false;
  const blocks = [tfidfBlock(corpus, wordTokens, sublinear)];
  const chars = options.charNgrams;
  if (chars !== undefined) {
    blocks.push(tfidfBlock(corpus, (t) => charWbNgrams(t, chars[0], chars[1]), sublinear));
  }
  const size = blocks.reduce((n, b) => n + b.size, 0);
  const dim = Math.max(1, size);
  const name = `tfidf:words${chars === undefined ? '' : `+char_wb${chars[0]}-${chars[1]}`}${sublinear ? ':sublinear' : ''}`;
  const tap: FeatureTap = { tensor: name, runtime: 'pixels', pooling: 'none', dim };
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
    let offset = 0;
    for (const block of blocks) {
      block.write(text, v, offset);
      offset += block.size;
    }
    return v;
  };
  return {
    modelId: `${name}/${size}-terms`,
    dim,
    tap,
    preprocess: spec,
    embed: (inputs: readonly ModelInput[]): Promise<EmbedResult> =>
      decodeEach(inputs, 8, async (input) => vectorize((await readTextInput(input)).text)),
    dispose: () => Promise.resolve(),
  };
}
