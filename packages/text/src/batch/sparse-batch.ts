import type { TokenizedText } from '../tokenizer.ts';

/** A batch in Universal Sentence Encoder's sparse layout: `indices` [n,2] (row, position) and `values` [n]. */
export interface SparseBatch {
  readonly rows: number;
  readonly indices: Int32Array;
  readonly values: Int32Array;
}

/** Lays tokenized texts out as one sparse batch, row by row. */
export function sparseBatch(texts: readonly TokenizedText[]): SparseBatch {
  const total = texts.reduce((n, t) => n + t.ids.length, 0);
  const indices = new Int32Array(total * 2);
  const values = new Int32Array(total);
  let at = 0;
  texts.forEach((t, row) => {
    t.ids.forEach((id, position) => {
      indices[2 * at] = row;
      indices[2 * at + 1] = position;
      values[at] = id;
      at++;
    });
  });
  return { rows: texts.length, indices, values };
}
