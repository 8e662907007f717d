import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { documentSchema } from '@modelhub/core';

import { configDir, huggingFaceTokenFile, type Env } from '../config/config-paths.ts';

/** `tokens.json`: endpoint origin → token (read by every command that may send a request). */
const tokensDocument = documentSchema((check, value): Record<string, string> =>
  check.entries(check.object(value, [])['tokens'], ['tokens'], (token, path) => check.string(token, path)),
);

function tokensFile(env: Env): string {
  return join(configDir(env), 'tokens.json');
}

function origin(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parse(text: string): Record<string, string> {
  const parsed = tokensDocument.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data : {};
}

/** The token `hub login` stored for exactly this endpoint, if any. */
export function readLoginToken(endpoint: string, env: Env): string | undefined {
  try {
    const token = parse(readFileSync(tokensFile(env), 'utf8'))[origin(endpoint)];
    return token === undefined || token.trim() === '' ? undefined : token.trim();
  } catch {
    // No store yet, or an unreadable one.
    return undefined;
  }
}

/**
 * The official client's saved token (`HF_TOKEN_PATH`, else `$HF_HOME/token`, else
 * `~/.cache/huggingface/token`), if any. It belongs to huggingface.co: see `resolveToken`.
 */
export function readHuggingFaceTokenFile(env: Env): string | undefined {
  try {
    const token = readFileSync(huggingFaceTokenFile(env), 'utf8').trim();
    return token === '' ? undefined : token;
  } catch {
    return undefined;
  }
}

/** Saves a token for an endpoint in a file only the user can read. Returns the file path. */
export async function saveToken(endpoint: string, token: string, env: Env): Promise<string> {
  const file = tokensFile(env);
  await mkdir(configDir(env), { recursive: true, mode: 0o700 });
  let tokens: Record<string, string>;
  try {
    tokens = parse(await readFile(file, 'utf8'));
  } catch {
    tokens = {};
  }
  tokens[origin(endpoint)] = token;
  const temp = `${file}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify({ tokens }, null, 2)}\n`, { mode: 0o600 });
  await chmod(temp, 0o600);
  await rename(temp, file);
  return file;
}
