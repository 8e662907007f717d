import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';

import {
  ModelhubError,
  describeIssues,
  documentSchema,
  optional,
  readFileEntry,
  sha1Hex,
  type DocumentCheck,
  type DocumentPath,
  type FileEntry,
} from '@modelhub/core';

/** One model a lockfile pins: where it came from, its commit, and every file's hashes. */
export interface LockedModel {
  endpoint: string;
  repo: string;
  revision?: string | undefined;
  commit: string;
  files: FileEntry[];
}

export interface Lockfile {
  lockfileVersion: 1;
  models: Record<string, LockedModel>;
}

function readLockedModel(check: DocumentCheck, value: unknown, path: DocumentPath): LockedModel {
  const doc = check.object(value, path);
  const at = (key: string): DocumentPath => [...path, key];
  const revision = optional(doc['revision'], (v) => check.string(v, at('revision')));
  return {
    endpoint: check.string(doc['endpoint'], at('endpoint')),
    repo: check.string(doc['repo'], at('repo')),
    ...(revision === undefined ? {} : { revision }),
    commit: check.string(doc['commit'], at('commit'), sha1Hex),
    files: check.items(doc['files'], at('files'), (file, p) => readFileEntry(check, file, p)),
  };
}

/** The lockfile's format, checked by hand (no zod): `hub pull --frozen` reads it on every run. */
const lockfileDocument = documentSchema((check, value): Lockfile => {
  const doc = check.object(value, []);
  return {
    lockfileVersion: check.oneOf(doc['lockfileVersion'], ['lockfileVersion'], [1]),
    models: check.entries(doc['models'], ['models'], (model, p) => readLockedModel(check, model, p)),
  };
});

/** Reads a lockfile; a missing file is an empty lockfile unless `required`. */
export async function readLockfile(path: string, required: boolean): Promise<Lockfile> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (required) {
      throw new ModelhubError('LOCKFILE_DRIFT', `The lockfile ${path} does not exist.`, {
        hint: 'Create it first with hub pull MODEL --lock FILE (without --frozen).',
        details: { path },
        cause,
      });
    }
    return { lockfileVersion: 1, models: {} };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new ModelhubError('INVALID_MANIFEST', `The lockfile ${path} is not JSON.`, {
      details: { path },
      cause,
    });
  }
  const parsed = lockfileDocument.safeParse(json);
  if (!parsed.success) {
    throw new ModelhubError('INVALID_MANIFEST', `The lockfile ${path} is not a modelhub lockfile.`, {
      details: {
        path,
        issues: describeIssues(parsed.error.issues),
      },
    });
  }
  return parsed.data;
}

/** Adds or replaces one model under `key` (the reference as typed) and writes the file atomically. */
export async function writeLockedModel(path: string, key: string, model: LockedModel): Promise<void> {
  const lock = await readLockfile(path, false);
  const models = { ...lock.models, [key]: { ...model, files: sortFiles(model.files) } };
  const sorted = Object.fromEntries(Object.entries(models).sort(([a], [b]) => a.localeCompare(b)));
  const temp = `${path}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(temp, `${JSON.stringify({ lockfileVersion: 1, models: sorted }, null, 2)}\n`);
  await rename(temp, path);
}

function sortFiles(files: readonly FileEntry[]): FileEntry[] {
  return [...files]
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .map((f) => ({
      path: f.path,
      size: f.size,
      lfs: f.lfs,
      ...(f.sha256 === undefined ? {} : { sha256: f.sha256 }),
      ...(f.gitOid === undefined ? {} : { gitOid: f.gitOid }),
    }));
}

/** The locked entry for a reference: by the key as typed, else by `repo` (and endpoint). */
export function findLocked(
  lock: Lockfile,
  key: string,
  repo: string | undefined,
  endpoint: string,
): LockedModel | undefined {
  const direct = lock.models[key];
  if (direct !== undefined) {
    return direct;
  }
  if (repo === undefined) {
    return undefined;
  }
  return Object.values(lock.models).find((m) => m.repo === repo && m.endpoint === endpoint);
}
