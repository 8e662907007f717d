import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError, readJsonObject, sha256, type TextSpec } from '@modelhub/core';

/** Used when neither the tokenizer config nor the model config states a length. */
export const DEFAULT_MAX_TOKENS = 512;
/** USE-lite's vocabulary states no length; 256 pieces cover a long paragraph. */
const USE_DEFAULT_MAX_TOKENS = 256;

async function fileSha256(dir: string, file: string): Promise<string | undefined> {
  try {
    return sha256(new Uint8Array(await readFile(join(dir, file))));
  } catch {
    return undefined;
  }
}

const positiveInt = (v: unknown): number | undefined =>
  typeof v === 'number' && Number.isInteger(v) && v > 0 && v < 1e6 ? v : undefined;

/** The shortest length any of the model's configs allows (huge sentinel values ignored). */
async function hfMaxTokens(dir: string): Promise<number> {
  const tokenizerConfig = await readJsonObject(dir, 'tokenizer_config.json');
  const config = await readJsonObject(dir, 'config.json');
  const limits = [
    positiveInt(tokenizerConfig?.['model_max_length']),
    positiveInt(config?.['max_position_embeddings']),
  ].filter((n): n is number => n !== undefined);
  return limits.length === 0 ? DEFAULT_MAX_TOKENS : Math.min(...limits);
}

/**
 * The text preprocessing of a model folder, or undefined when it has no tokenizer: the folder's own
 * `modelhub.json` (`tokenizer: { kind, file }`, `maxTokens`) first, then a Hugging Face
 * `tokenizer.json`, then a USE SentencePiece `vocab.json`. The tokenizer file's sha256 is recorded,
 * so a head refuses a changed tokenizer.
 */
export async function resolveTextSpec(
  dir: string,
  inputs: TextSpec['inputs'],
): Promise<TextSpec | undefined> {
  const own = await readJsonObject(dir, 'modelhub.json');
  const hint = own?.['tokenizer'];
  if (typeof hint === 'object' && hint !== null) {
    const { kind, file } = hint as { kind?: unknown; file?: unknown };
    if ((kind !== 'hf-tokenizers' && kind !== 'use-sentencepiece') || typeof file !== 'string') {
      throw new ModelhubError(
        'INVALID_MANIFEST',
        `${join(dir, 'modelhub.json')}: "tokenizer" needs a kind and a file.`,
        {
          hint: 'Write {"tokenizer": {"kind": "hf-tokenizers" | "use-sentencepiece", "file": "…"}}.',
        },
      );
    }
    const digest = await fileSha256(dir, file);
    if (digest === undefined) {
      throw new ModelhubError(
        'ENTRY_NOT_FOUND',
        `${dir} has no ${file}, which its modelhub.json names as the tokenizer.`,
        {
          hint: 'Pull the model again, or fix modelhub.json.',
        },
      );
    }
    const maxTokens =
      positiveInt(own?.['maxTokens']) ??
      (kind === 'hf-tokenizers' ? await hfMaxTokens(dir) : USE_DEFAULT_MAX_TOKENS);
    return {
      modality: 'text',
      source: 'modelhub.json',
      tokenizer: { kind, file, sha256: digest },
      maxTokens,
      truncation: 'end',
      inputs,
    };
  }
  const hf = await fileSha256(dir, 'tokenizer.json');
  if (hf !== undefined) {
    return {
      modality: 'text',
      source: 'tokenizer.json',
      tokenizer: { kind: 'hf-tokenizers', file: 'tokenizer.json', sha256: hf },
      maxTokens: await hfMaxTokens(dir),
      truncation: 'end',
      inputs,
    };
  }
  const use = await fileSha256(dir, 'vocab.json');
  if (use !== undefined && inputs === 'sparse-ids') {
    return {
      modality: 'text',
      source: 'vocab.json',
      tokenizer: { kind: 'use-sentencepiece', file: 'vocab.json', sha256: use },
      maxTokens: USE_DEFAULT_MAX_TOKENS,
      truncation: 'end',
      inputs,
    };
  }
  return undefined;
}
