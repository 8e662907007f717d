import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import * as z from 'zod';

import { lazySchema } from '@modelhub/core';

import { modelhubCacheBase, nonEmpty, type Env } from '../config/config-paths.ts';
import { acquireLock } from '../cache/file-lock.ts';

/**
 * Which registry each imported model came from. `hub bundle import` files a model under the cache
 * folder of its source registry (so its refs and aliases never mix with another registry's), and
 * records it here, so that an offline machine finds it by name without the user knowing, or
 * configuring, that registry. One file per cache base (`--cache-dir`, else `HUB_CACHE`, else
 * `~/.cache/modelhub`), next to the per-registry folders.
 */
const IMPORTS_FILE = 'imported-models.json';

const importedModelSchema = lazySchema(() =>
  z.object({
    repo: z.string(),
    endpoint: z.string(),
    commit: z.string(),
    revision: z.string().optional(),
    alias: z.string().optional(),
    importedAt: z.string(),
  }),
);
export type ImportedModel = z.infer<ReturnType<typeof importedModelSchema>>;

const importsSchema = lazySchema(() =>
  z.object({ version: z.literal(1), models: z.array(importedModelSchema()) }),
);

/** The imports file of a cache base (`cacheDir`, else `HUB_CACHE`, else `~/.cache/modelhub`). */
export function importsFile(cacheDir: string | undefined, env: Env): string {
  return join(nonEmpty(cacheDir) ?? modelhubCacheBase(env), IMPORTS_FILE);
}

/** Every recorded import, oldest first; an unreadable or missing file is no imports. */
export async function readImports(file: string): Promise<ImportedModel[]> {
  try {
    return importsSchema().parse(JSON.parse(await readFile(file, 'utf8'))).models;
  } catch {
    return [];
  }
}

/** Adds imports (replacing earlier records of the same repo and registry), under a lock. */
export async function recordImports(file: string, imported: readonly ImportedModel[]): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const lock = await acquireLock(`${file}.lock`);
  try {
    const kept = (await readImports(file)).filter(
      (old) => !imported.some((m) => m.repo === old.repo && m.endpoint === old.endpoint),
    );
    const temp = `${file}.${randomBytes(4).toString('hex')}.tmp`;
    await writeFile(temp, `${JSON.stringify({ version: 1, models: [...kept, ...imported] }, null, 2)}\n`);
    await rename(temp, file);
  } finally {
    await lock.release();
  }
}

/**
 * The registry the latest import of `repo` (or of the alias `alias`) came from, other than
 * `except` (the registry already looked in); undefined when none was imported.
 */
export async function importedEndpointOf(
  file: string,
  wanted: { repo: string } | { alias: string },
  except: string,
): Promise<string | undefined> {
  const matches = (await readImports(file)).filter(
    (m) => m.endpoint !== except && ('repo' in wanted ? m.repo === wanted.repo : m.alias === wanted.alias),
  );
  return matches.at(-1)?.endpoint;
}
