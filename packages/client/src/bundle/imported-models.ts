import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import { documentSchema, optional } from '@modelhub/core';

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

export interface ImportedModel {
  repo: string;
  endpoint: string;
  commit: string;
  revision?: string | undefined;
  alias?: string | undefined;
  importedAt: string;
}

/** The imports file, checked by hand: a pull of a model not in its cache reads it (no zod for that). */
const importsDocument = documentSchema((check, value): ImportedModel[] => {
  const doc = check.object(value, []);
  check.oneOf(doc['version'], ['version'], [1]);
  return check.items(doc['models'], ['models'], (item, path) => {
    const model = check.object(item, path);
    const text = (key: string) => (v: unknown) => check.string(v, [...path, key]);
    const revision = optional(model['revision'], text('revision'));
    const alias = optional(model['alias'], text('alias'));
    return {
      repo: text('repo')(model['repo']),
      endpoint: text('endpoint')(model['endpoint']),
      commit: text('commit')(model['commit']),
      ...(revision === undefined ? {} : { revision }),
      ...(alias === undefined ? {} : { alias }),
      importedAt: text('importedAt')(model['importedAt']),
    };
  });
});

/** The imports file of a cache base (`cacheDir`, else `HUB_CACHE`, else `~/.cache/modelhub`). */
export function importsFile(cacheDir: string | undefined, env: Env): string {
  return join(nonEmpty(cacheDir) ?? modelhubCacheBase(env), IMPORTS_FILE);
}

/** Every recorded import, oldest first; an unreadable or missing file is no imports. */
export async function readImports(file: string): Promise<ImportedModel[]> {
  try {
    const parsed = importsDocument.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success ? parsed.data : [];
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
