import { randomBytes } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';

import * as z from 'zod';

import { FileEntrySchema, ModelhubError, type FileEntry } from '@modelhub/core';

export const LockedModelSchema = z.object({
  endpoint: z.string(),
  repo: z.string(),
  revision: z.string().optional(),
  commit: z.string().regex(/^[0-9a-f]{40}$/),
  files: z.array(FileEntrySchema),
});
export type LockedModel = z.infer<typeof LockedModelSchema>;

export const LockfileSchema = z.object({
  lockfileVersion: z.literal(1),
  models: z.record(z.string(), LockedModelSchema),
});
export type Lockfile = z.infer<typeof LockfileSchema>;

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
  const parsed = LockfileSchema.safeParse(json);
  if (!parsed.success) {
    throw new ModelhubError('INVALID_MANIFEST', `The lockfile ${path} is not a modelhub lockfile.`, {
      details: {
        path,
        issues: parsed.error.issues.slice(0, 5).map((i) => `${i.path.join('.')}: ${i.message}`),
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
