import { ModelhubError } from '@modelhub/core';

/** One entry of a USE `vocab.json`: the piece and its log-probability. */
export type UsePiece = readonly [piece: string, score: number];

/** Ids below this are reserved (unknown, `<s>`, `</s>`, extra tokens) and never matched in text. */
const FIRST_MATCHABLE_ID = 6;
/** The id SentencePiece gives to text no piece covers. */
export const USE_UNKNOWN_ID = 0;
/** SentencePiece's NMT rules map these to a space (after NFKC, which already maps most other spaces). */
const NMT_SPACES = /[\t\n\f\r\u1680\u200b\u200e\u200f\u2028\u2029\u2581\ufeff\ufffd]/gu;
/** …and delete these control characters. */
// eslint-disable-next-line no-control-regex -- these control characters are what the rule deletes
const NMT_DELETED = /[\u0000-\u0008\u000b\u000e-\u001f\u007f\u008f\u009f]/gu;
/** NMT normalisation keeps the full-width tilde (Japanese uses it apart from `~`). */
const FULL_WIDTH_TILDE = '\uff5e';
/** Score of an unknown character, far below any real piece, so it is used only when nothing else fits. */
const UNKNOWN_PENALTY = 10;

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  id: number;
}

/**
 * The SentencePiece unigram tokenizer of Universal Sentence Encoder lite, over its `vocab.json`
 * (`[piece, score]` pairs, id = position): the text is NFKC-normalised, spaces become `▁` with one
 * in front, and the segmentation into pieces with the highest total score wins (Viterbi). A
 * character no piece covers becomes the unknown id, and runs of unknowns merge into one.
 */
export class UseTokenizer {
  private readonly root: TrieNode = { next: new Map(), id: -1 };
  private readonly scores: Float64Array;
  private readonly unknownScore: number;

  constructor(vocab: readonly UsePiece[]) {
    this.scores = new Float64Array(vocab.length);
    let lowest = 0;
    vocab.forEach(([piece, score], id) => {
      this.scores[id] = score;
      lowest = Math.min(lowest, score);
      if (id >= FIRST_MATCHABLE_ID && piece.length > 0) {
        let node = this.root;
        for (const ch of piece) {
          let child = node.next.get(ch);
          if (child === undefined) {
            child = { next: new Map(), id: -1 };
            node.next.set(ch, child);
          }
          node = child;
        }
        node.id = id;
      }
    });
    this.unknownScore = lowest - UNKNOWN_PENALTY;
  }

  /**
   * The text as the tokenizer sees it, as SentencePiece's default normaliser (`nmt_nfkc`,
   * `add_dummy_prefix`, `remove_extra_whitespaces`) gives it to the model: NFKC (except the
   * full-width tilde), the characters NMT treats as whitespace (tab, line breaks, zero-width and
   * direction marks, U+2581, U+FEFF, U+FFFD) as spaces, other control characters dropped, outer
   * spaces dropped and runs of spaces made one; then spaces become `▁`, with one in front.
   */
  static normalize(text: string): string {
    const nfkc = text
      .split(FULL_WIDTH_TILDE)
      .map((part) => part.normalize('NFKC'))
      .join(FULL_WIDTH_TILDE);
    const spaced = nfkc.replace(NMT_SPACES, ' ').replace(NMT_DELETED, '');
    const trimmed = spaced.replace(/ +/g, ' ').replace(/^ | $/g, '');
    return trimmed.length === 0 ? '' : `▁${trimmed.replace(/ /g, '▁')}`;
  }

  /** Token ids of a text, best segmentation first to last. */
  encode(text: string): number[] {
    const symbols = [...UseTokenizer.normalize(text)];
    const n = symbols.length;
    const best = new Float64Array(n + 1).fill(-Infinity);
    const fromPos = new Int32Array(n + 1).fill(-1);
    const pieceId = new Int32Array(n + 1).fill(-1);
    best[0] = 0;
    for (let start = 0; start < n; start++) {
      const base = best[start] ?? -Infinity;
      if (base === -Infinity) {
        continue;
      }
      let node: TrieNode | undefined = this.root;
      let matched = false;
      for (let end = start; end < n && node !== undefined; end++) {
        node = node.next.get(symbols[end] ?? '');
        if (node !== undefined && node.id >= 0) {
          matched ||= end === start;
          const score = base + (this.scores[node.id] ?? 0);
          // Ties go to the later candidate, as the reference implementation's `>=` does.
          if (score >= (best[end + 1] ?? -Infinity)) {
            best[end + 1] = score;
            fromPos[end + 1] = start;
            pieceId[end + 1] = node.id;
          }
        }
      }
      if (!matched) {
        const score = base + this.unknownScore;
        if (score > (best[start + 1] ?? -Infinity)) {
          best[start + 1] = score;
          fromPos[start + 1] = start;
          pieceId[start + 1] = USE_UNKNOWN_ID;
        }
      }
    }
    const ids: number[] = [];
    for (let end = n; end > 0; end = fromPos[end] ?? 0) {
      ids.push(pieceId[end] ?? USE_UNKNOWN_ID);
    }
    ids.reverse();
    return ids.filter((id, i) => !(id === USE_UNKNOWN_ID && ids[i - 1] === USE_UNKNOWN_ID));
  }
}

/**
 * Checks untrusted JSON as a USE vocabulary: a list of `[piece, score]` pairs. A few pieces (`:`,
 * `://`, `▁:)`…) are user-defined symbols with a `null` score; they score 0, always preferred.
 */
export function parseUseVocabulary(json: unknown, source: string): UsePiece[] {
  const ok =
    Array.isArray(json) &&
    json.length > FIRST_MATCHABLE_ID &&
    json.every(
      (e) =>
        Array.isArray(e) &&
        e.length === 2 &&
        typeof e[0] === 'string' &&
        (typeof e[1] === 'number' || e[1] === null),
    );
  if (!ok) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${source} is not a SentencePiece vocabulary (a JSON list of [piece, score] pairs).`,
      { hint: 'Use the vocab.json published with the model.', details: { source } },
    );
  }
  return (json as Array<[string, number | null]>).map(([piece, score]) => [piece, score ?? 0] as const);
}
