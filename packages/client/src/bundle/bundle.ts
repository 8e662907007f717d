import { randomBytes } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readFile, rename, rm, stat, statfs, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type * as tar from 'tar';

import {
  ModelhubError,
  blobIdOf,
  describeIssues,
  documentSchema,
  hashFile,
  isModelhubError,
  optional,
  parseModelRef,
  readFileEntry,
  sha1Hex,
  type FileEntry,
} from '@modelhub/core';

import { cacheRootFor, resolveClientConfig, type ClientOptions } from '../config/client-config.ts';
import { asDiskFullError } from '../cache/disk-full.ts';
import { RepoCache, repoFolderName } from '../cache/repo-cache.ts';
import { MetadataCache } from '../metadata/metadata-cache.ts';
import { pull } from '../pull/pull.ts';
import { importsFile, recordImports } from './imported-models.ts';

const MANIFEST = 'modelhub-bundle.json';

/** `modelhub-bundle.json`: the registry a bundle came from and the models (commit, files) it holds. */
export interface BundleManifest {
  bundleVersion: 1;
  endpoint: string;
  createdAt: string;
  models: { ref: string; repo: string; revision?: string | undefined; commit: string; files: FileEntry[] }[];
}

const bundleManifestDocument = documentSchema((check, value): BundleManifest => {
  const doc = check.object(value, []);
  return {
    bundleVersion: check.oneOf(doc['bundleVersion'], ['bundleVersion'], [1]),
    endpoint: check.string(doc['endpoint'], ['endpoint']),
    createdAt: check.string(doc['createdAt'], ['createdAt']),
    models: check.items(doc['models'], ['models'], (item, path) => {
      const model = check.object(item, path);
      const revision = optional(model['revision'], (v) => check.string(v, [...path, 'revision']));
      return {
        ref: check.string(model['ref'], [...path, 'ref']),
        repo: check.string(model['repo'], [...path, 'repo']),
        ...(revision === undefined ? {} : { revision }),
        commit: check.string(model['commit'], [...path, 'commit'], sha1Hex),
        files: check.items(model['files'], [...path, 'files'], (f, at) => readFileEntry(check, f, at)),
      };
    }),
  };
});

export interface BundleResult {
  readonly file: string;
  /** The registry the models came from (create: the one read; import: the one they are filed under). */
  readonly endpoint: string;
  /** The cache folder the models were read from or imported into. */
  readonly cacheRoot: string;
  /** Import only: the registry the bundle was made from, and when. */
  readonly source?: { readonly endpoint: string; readonly createdAt: string };
  readonly models: readonly { repo: string; commit: string; files: number; bytes: number }[];
}

/**
 * Writes cached models into one tar file for an air-gapped machine: a `modelhub-bundle.json`
 * manifest (endpoint, repo, commit, every file's size and hash) followed by the cache entries
 * (blobs, snapshot links, trees, refs). Models must be in the cache already (it reads offline).
 */
export async function createBundle(
  models: readonly string[],
  out: string,
  options: ClientOptions = {},
): Promise<BundleResult> {
  const config = resolveClientConfig(options);
  const manifest: BundleManifest = {
    bundleVersion: 1,
    endpoint: config.endpoint,
    createdAt: new Date().toISOString(),
    models: [],
  };
  const entries: string[] = [];
  for (const ref of models) {
    const result = await pull(ref, { ...options, offline: true }).catch((error: unknown) => {
      throw notCachedForBundle(error, ref, config.endpoint, config.offline);
    });
    manifest.models.push({
      ref,
      repo: result.repo,
      ...(result.revision === undefined ? {} : { revision: result.revision }),
      commit: result.commit,
      files: result.files,
    });
    const folder = repoFolderName(result.repo);
    for (const file of result.files) {
      entries.push(`${folder}/blobs/${blobIdOf(file)}`);
    }
  }
  const { create, replace } = await import('tar'); // Loaded here, as in extract().
  const staging = await mkdtemp(join(tmpdir(), 'modelhub-bundle-'));
  try {
    await writeFile(join(staging, MANIFEST), JSON.stringify(manifest, null, 2));
    await create({ file: out, cwd: staging, portable: true }, [MANIFEST]);
    await replace({ file: out, cwd: config.cacheRoot, portable: true }, [...new Set(entries)]);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
  return {
    file: out,
    endpoint: config.endpoint,
    cacheRoot: config.cacheRoot,
    models: manifest.models.map((m) => ({
      repo: m.repo,
      commit: m.commit,
      files: m.files.length,
      bytes: m.files.reduce((n, f) => n + f.size, 0),
    })),
  };
}

/**
 * A bundle is made from the cache only (it never downloads), so a model missing there is said as
 * such, not as "Offline, and …" when the machine is online.
 */
function notCachedForBundle(error: unknown, ref: string, endpoint: string, offline: boolean): unknown {
  if (!isModelhubError(error) || error.code !== 'NOT_IN_CACHE' || offline) {
    return error;
  }
  return new ModelhubError(
    'NOT_IN_CACHE',
    `${ref} is not in the cache of ${endpoint}: hub bundle create packs cached models only.`,
    {
      hint: `Pull it first (hub pull ${ref}), then create the bundle.`,
      details: { ...error.details, ref },
      cause: error,
    },
  );
}

/** tar.x, with an archive that is not a tar file (random bytes, a truncated download) as INVALID_INPUT. */
async function extract(options: tar.TarOptionsWithAliasesAsyncFile): Promise<void> {
  try {
    const { extract: untar } = await import('tar'); // Loaded here: no other command needs it.
    await untar(options);
  } catch (cause) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('TAR_')) {
      throw new ModelhubError(
        'INVALID_INPUT',
        `${String(options.file)} is not a modelhub bundle (${code}).`,
        {
          hint: 'Pass the .tar file that hub bundle create wrote; if it was copied, copy it again.',
          details: { file: options.file, tar: code },
          cause,
        },
      );
    }
    throw cause;
  }
}

const ENTRY =
  /^(modelhub-bundle\.json|models--[A-Za-z0-9_.-]+--[A-Za-z0-9_.-]+\/blobs\/[0-9a-f]{40}(?:[0-9a-f]{24})?)$/;

/**
 * tar.x() does not report a failed write (ENOSPC) from a file extraction: it leaves a short file,
 * which would then read as "the bundle is damaged". A file shorter than its tar header, with less
 * free space than it lacks, is a full disk.
 */
async function checkExtracted(
  work: string,
  sizes: ReadonlyMap<string, number>,
  cacheRoot: string,
): Promise<void> {
  for (const [path, size] of sizes) {
    const written = (await stat(join(work, path)).catch(() => undefined))?.size ?? 0;
    if (written >= size) {
      continue;
    }
    const fs = await statfs(work);
    if (fs.bavail * fs.bsize < size - written) {
      throw new ModelhubError(
        'DISK_FULL',
        `The disk is full: extracting ${path} from the bundle wrote ${written} of ${size} bytes.`,
        {
          hint: 'Free some space (hub gc --max-size SIZE) or point --cache-dir at a bigger disk.',
          details: { cacheRoot, path, size, written },
        },
      );
    }
  }
}

/**
 * Imports a bundle into the cache of the endpoint it came from (or `options.endpoint`): every blob
 * is re-hashed against the manifest before it is moved into `blobs/`; then snapshots are linked,
 * trees written and refs set. Entries other than the manifest and blobs are refused. The import is
 * recorded (`imported-models.ts`), so an offline `pull` finds the models by name whatever endpoint
 * is configured.
 */
export async function importBundle(file: string, options: ClientOptions = {}): Promise<BundleResult> {
  const env = options.env ?? process.env;
  const probe = resolveClientConfig(options);
  const found = await stat(file).catch(() => undefined);
  if (found === undefined || !found.isFile()) {
    throw new ModelhubError(
      'FILE_NOT_FOUND',
      `${file} ${found === undefined ? 'does not exist' : 'is not a file'}.`,
      { hint: 'Pass the .tar file that hub bundle create wrote.', details: { file } },
    );
  }
  const work = join(probe.cacheRoot, '..', `.modelhub-import-${randomBytes(4).toString('hex')}`);
  await mkdir(work, { recursive: true });
  try {
    const refused: string[] = [];
    const sizes = new Map<string, number>();
    await extract({
      file,
      cwd: work,
      filter: (path, entry) => {
        const ok = ENTRY.test(path) && ('type' in entry ? entry.type === 'File' : true);
        if (!ok) {
          refused.push(path);
        } else if ('size' in entry && typeof entry.size === 'number') {
          sizes.set(path, entry.size);
        }
        return ok;
      },
    });
    await checkExtracted(work, sizes, probe.cacheRoot);
    let json: unknown;
    try {
      json = JSON.parse(await readFile(join(work, MANIFEST), 'utf8'));
    } catch (cause) {
      throw new ModelhubError(
        'INVALID_MANIFEST',
        `${file} is not a modelhub bundle (no valid ${MANIFEST}).`,
        { cause },
      );
    }
    const parsed = bundleManifestDocument.safeParse(json);
    if (!parsed.success) {
      throw new ModelhubError(
        'INVALID_MANIFEST',
        `${file} is not a modelhub bundle (no valid ${MANIFEST}).`,
        { details: { issues: describeIssues(parsed.error.issues) } },
      );
    }
    const manifest = parsed.data;
    const endpoint = options.endpoint ?? manifest.endpoint;
    const root = cacheRootFor(resolveClientConfig({ ...options, endpoint }).endpoint, options.cacheDir, env);
    const out: BundleResult['models'][number][] = [];
    for (const model of manifest.models) {
      const cache = new RepoCache(root, model.repo);
      await mkdir(cache.blobsDir, { recursive: true });
      for (const entry of model.files) {
        const id = blobIdOf(entry);
        if (
          await stat(cache.blobPath(id)).then(
            (s) => s.size === entry.size,
            () => false,
          )
        ) {
          continue;
        }
        const source = join(work, repoFolderName(model.repo), 'blobs', id);
        let hashes;
        try {
          hashes = await hashFile(source);
        } catch (cause) {
          throw new ModelhubError('INTEGRITY_MISMATCH', `The bundle lacks ${model.repo}/${entry.path}.`, {
            details: { repo: model.repo, path: entry.path },
            cause,
          });
        }
        const actual = entry.lfs ? hashes.sha256 : hashes.gitSha1;
        if (actual !== id || hashes.size !== entry.size) {
          throw new ModelhubError(
            'INTEGRITY_MISMATCH',
            `${model.repo}/${entry.path} in the bundle does not match its hash.`,
            {
              hint: 'The bundle is damaged; create it again.',
              details: { repo: model.repo, path: entry.path, expected: id, actual },
            },
          );
        }
        await rename(source, cache.blobPath(id)).catch(async (error: unknown) => {
          if ((error as { code?: string }).code !== 'EXDEV') {
            throw error;
          }
          await copyFile(source, cache.blobPath(id));
        });
      }
      for (const entry of model.files) {
        await cache.linkSnapshot(model.commit, entry.path, blobIdOf(entry));
      }
      if ((await cache.readTree(model.commit)) === undefined) {
        await cache.writeTree(model.commit, model.files);
      }
      if (model.revision !== undefined) {
        await cache.writeRef(model.revision, model.commit);
      }
      const ref = parseModelRef(model.ref);
      if (ref.kind === 'alias') {
        // So that `hub pull --offline ALIAS` works on the machine the bundle was carried to.
        const meta = new MetadataCache(root);
        try {
          await meta.set(`alias:${endpoint}:${ref.alias}`, {
            repo: model.repo,
            revision: model.revision,
            via: 'alias',
          });
        } finally {
          await meta.close();
        }
      }
      out.push({
        repo: model.repo,
        commit: model.commit,
        files: model.files.length,
        bytes: model.files.reduce((n, f) => n + f.size, 0),
      });
    }
    await recordImports(
      importsFile(options.cacheDir, env),
      manifest.models.map((model) => {
        const ref = parseModelRef(model.ref);
        return {
          repo: model.repo,
          endpoint,
          commit: model.commit,
          ...(model.revision === undefined ? {} : { revision: model.revision }),
          ...(ref.kind === 'alias' ? { alias: ref.alias } : {}),
          importedAt: new Date().toISOString(),
        };
      }),
    );
    return {
      file,
      endpoint,
      cacheRoot: root,
      source: { endpoint: manifest.endpoint, createdAt: manifest.createdAt },
      models: out,
    };
  } catch (error) {
    throw asDiskFullError(error, probe.cacheRoot);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
