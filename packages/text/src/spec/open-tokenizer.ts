import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError, readJsonObject, sha256, type TextSpec } from '@modelhub/core';

import { hfTextTokenizer } from '../hf/hf-text-tokenizer.ts';
import type { TextTokenizer } from '../tokenizer.ts';
import { parseUseVocabulary } from '../use/use-tokenizer.ts';
import { useTextTokenizer } from '../use/use-text-tokenizer.ts';

/**
 * Opens the tokenizer a text spec names, after checking the file is the one the spec recorded (a
 * head trained with one tokenizer must not silently run with another).
 */
export async function openTokenizer(dir: string, spec: TextSpec): Promise<TextTokenizer> {
  const path = join(dir, spec.tokenizer.file);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new ModelhubError('ENTRY_NOT_FOUND', `The tokenizer ${path} is missing.`, {
      hint: 'Pull the model again (hub pull), or check the model folder.',
      cause,
    });
  }
  const actual = sha256(bytes);
  if (actual !== spec.tokenizer.sha256) {
    throw new ModelhubError(
      'INTEGRITY_MISMATCH',
      `The tokenizer ${path} differs from the one recorded (sha256 ${actual}, expected ${spec.tokenizer.sha256}).`,
      { hint: 'The model folder changed since the head was trained; pull the pinned revision again.' },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(bytes));
  } catch (cause) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `${path} is not JSON.`, {
      hint: 'Pull the model again.',
      cause,
    });
  }
  if (spec.tokenizer.kind === 'use-sentencepiece') {
    return useTextTokenizer(parseUseVocabulary(json, path), spec.maxTokens);
  }
  if (typeof json !== 'object' || json === null) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `${path} is not a tokenizer.json object.`, {
      hint: 'Pull the model again.',
    });
  }
  const config = (await readJsonObject(dir, 'tokenizer_config.json')) ?? {};
  return hfTextTokenizer(json, config, spec.maxTokens, path);
}
