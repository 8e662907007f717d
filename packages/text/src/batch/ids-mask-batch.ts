import type { TokenizedText } from '../tokenizer.ts';

/** A batch of tokenized texts in the Hugging Face layout: `[rows, length]` int64 tensors. */
export interface IdsMaskBatch {
  readonly rows: number;
  /** Tokens per row after padding to the longest text of the batch. */
  readonly length: number;
  readonly inputIds: BigInt64Array;
  readonly attentionMask: BigInt64Array;
  readonly tokenTypeIds: BigInt64Array;
  /** The attention mask as numbers (1 = real token), for masked pooling. */
  readonly mask: Float32Array;
}

/** Pads texts to the longest one with `padId`, masking the padding out. */
export function idsMaskBatch(texts: readonly TokenizedText[], padId = 0): IdsMaskBatch {
  const rows = texts.length;
  const length = Math.max(1, ...texts.map((t) => t.ids.length));
  const inputIds = new BigInt64Array(rows * length).fill(BigInt(padId));
  const attentionMask = new BigInt64Array(rows * length);
  const tokenTypeIds = new BigInt64Array(rows * length);
  const mask = new Float32Array(rows * length);
  texts.forEach((t, r) => {
    t.ids.forEach((id, k) => {
      const at = r * length + k;
      inputIds[at] = BigInt(id);
      attentionMask[at] = 1n;
      tokenTypeIds[at] = BigInt(t.typeIds[k] ?? 0);
      mask[at] = 1;
    });
  });
  return { rows, length, inputIds, attentionMask, tokenTypeIds, mask };
}
