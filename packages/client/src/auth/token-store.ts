import { readFileSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import { z } from 'zod';

import { configDir, huggingFaceCacheRoot, isHuggingFaceEndpoint } from '../config/client-config.ts';

const TokensSchema = z.object({ tokens: z.record(z.string(), z.string()) });

type Env = Readonly<Record<string, string | undefined>>;

function tokensFile(env: Env): string {
  return join(configDir(env), 'tokens.json');
}

function origin(endpoint: string): string {
  const url = new URL(endpoint);
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

function parse(text: string): Record<string, string> {
  const parsed = TokensSchema.safeParse(JSON.parse(text));
  return parsed.success ? parsed.data.tokens : {};
}

/**
 * The token `hub login` stored for an endpoint, or for huggingface.co the official client's token
 * file (`HF_TOKEN_PATH`, else `$HF_HOME/token`, else `~/.cache/huggingface/token`).
 */
export function readStoredToken(endpoint: string, env: Env): string | undefined {
  try {
    const token = parse(readFileSync(tokensFile(env), 'utf8'))[origin(endpoint)];
    if (token !== undefined) {
      return token;
    }
  } catch {
    // No store yet, or an unreadable one: fall through.
  }
  if (isHuggingFaceEndpoint(endpoint)) {
    const path = env['HF_TOKEN_PATH'] ?? join(huggingFaceCacheRoot(env), '..', 'token');
    try {
      const token = readFileSync(path, 'utf8').trim();
      return token === '' ? undefined : token;
    } catch {
      return undefined;
    }
  }
  return undefined;
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
