/**
 * @packageDocumentation
 * Text inputs for modelhub: tokenizers (a Hugging Face `tokenizer.json` through
 * `@huggingface/tokenizers`, the Universal Sentence Encoder SentencePiece `vocab.json`), truncation
 * to the model's length, batches with attention masks or in USE's sparse layout, and reading texts
 * from `.txt` files or CSV / JSON Lines tables.
 */
export type { TextTokenizer, TokenizedText } from './tokenizer.ts';
export { UseTokenizer, parseUseVocabulary, USE_UNKNOWN_ID } from './use/use-tokenizer.ts';
export type { UsePiece } from './use/use-tokenizer.ts';
export { useTextTokenizer } from './use/use-text-tokenizer.ts';
export { hfTextTokenizer } from './hf/hf-text-tokenizer.ts';
export { resolveTextSpec, DEFAULT_MAX_TOKENS } from './spec/resolve-text-spec.ts';
export { openTokenizer } from './spec/open-tokenizer.ts';
export { declaredModality } from './spec/model-hints.ts';
export { readTextInput, describeTextInput } from './input/read-text-input.ts';
export type { TextItem } from './input/read-text-input.ts';
export { tokenizeInputs, TruncationWarning } from './input/tokenize-texts.ts';
export type { TokenizedInput, TokenizedInputs } from './input/tokenize-texts.ts';
export { idsMaskBatch } from './batch/ids-mask-batch.ts';
export type { IdsMaskBatch } from './batch/ids-mask-batch.ts';
export { sparseBatch } from './batch/sparse-batch.ts';
export type { SparseBatch } from './batch/sparse-batch.ts';
export { readTextTable, isTextTable } from './table/read-text-table.ts';
export type { TextRow } from './table/read-text-table.ts';
