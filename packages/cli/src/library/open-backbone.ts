import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';

import { modelhubCacheBase, type ClientOptions, type PullOptions } from '@modelhub/client';
import {
  extractorCandidates,
  Sha256Memo,
  type CandidateExtractor,
  type CandidateOptions,
  type FeatureExtractor,
  type FeatureTap,
  type ModelAdapter,
  type InputSpec,
} from '@modelhub/core';

import { adapterFor, type AdapterModules, adapterModules } from '../adapters/load-adapter.ts';
import { locateModel } from '../adapters/resolve-model.ts';

/** Where a backbone's weights came from, pinned by commit and by the sha256 of every file. */
export interface BackbonePin {
  readonly endpoint: string;
  readonly repo: string;
  readonly commit: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly sha256: string }>;
}

/** A backbone loaded as a frozen feature extractor. */
export interface OpenedBackbone {
  readonly extractor: FeatureExtractor;
  readonly base: BackbonePin;
  readonly format: FeatureTap['runtime'];
  readonly dir: string;
}

export interface OpenBackboneOptions extends ClientOptions {
  /** Tap this tensor / layer instead of the one found automatically. */
  readonly layer?: string | undefined;
  /** Pooling of the tapped tensor (heads pin theirs). */
  readonly pooling?: FeatureTap['pooling'] | undefined;
  /** Pool only the real image when the preprocessing pads (default true; heads pin theirs). */
  readonly mask?: boolean | undefined;
  /** Grid views joined to the tap (heads pin theirs: `feature.views`). */
  readonly views?: FeatureTap['views'] | undefined;
  /** Preprocessing to use instead of the one resolved from the model's files (heads pin theirs). */
  readonly preprocess?: InputSpec | undefined;
  readonly lockfile?: string | undefined;
  readonly frozen?: boolean | undefined;
  readonly onProgress?: PullOptions['onProgress'];
  readonly limitRate?: PullOptions['limitRate'];
  readonly signal?: AbortSignal | undefined;
  /** The adapter modules to import from (tests inject a broken one). */
  readonly adapters?: AdapterModules | undefined;
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile() || e.isSymbolicLink())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split(sep).join('/'))
    .filter((p) => !p.startsWith('.'))
    .sort();
}

const memos = new Map<string, Sha256Memo>();

/**
 * The sha256 memo of the cache the options name (one per process): a model file is read again
 * only when its stat identity changed since it was last hashed (see `Sha256Memo`).
 */
export function sha256MemoFor(options: ClientOptions): Sha256Memo {
  const file = join(derivedDir(options), 'sha256-memo.json');
  let memo = memos.get(file);
  if (memo === undefined) {
    memo = new Sha256Memo(file);
    memos.set(file, memo);
  }
  return memo;
}

/**
 * The adapters' `sha256Of`, through the cache's memo: a file is read once, then recalled while its
 * stat identity is unchanged (after pinModel, without reading it again).
 */
export function memoSha256Of(options: ClientOptions): (path: string) => Promise<string> {
  const memo = sha256MemoFor(options);
  return async (path) => (await memo.sha256(path)).sha256;
}

/** sha256 of every file of a model folder (symlinks into the blob store are followed). */
export async function pinFiles(
  dir: string,
  paths: readonly string[],
  memo: Sha256Memo,
): Promise<BackbonePin['files']> {
  const out: { path: string; size: number; sha256: string }[] = [];
  for (const path of [...paths].sort()) {
    const { size, sha256 } = await memo.sha256(join(dir, path));
    out.push({ path, size, sha256 });
  }
  return out;
}

/** The folder where edited graphs and other derived artifacts are cached. */
export function derivedDir(options: ClientOptions): string {
  const env = options.env ?? process.env;
  return join(options.cacheDir ?? modelhubCacheBase(env), 'derived');
}

/** The feature cache of `hub train` and `hub eval`: vectors per (backbone setup, file content). */
export function featureCacheFile(options: ClientOptions): string {
  const env = options.env ?? process.env;
  return join(options.cacheDir ?? modelhubCacheBase(env), 'features', 'features.sqlite');
}

/**
 * Pulls a model (or takes a local folder), loads it through the adapter its files call for, and
 * pins it: registry endpoint, repo, commit and the sha256 of every file. A local folder is pinned
 * by content (`file://` endpoint, a commit id hashed from its file list).
 */
export async function openBackbone(
  model: string,
  options: OpenBackboneOptions = {},
): Promise<OpenedBackbone> {
  const { dir, base } = await pinModel(model, options);
  return load(dir, base, options);
}

/** Pulls (or takes) a model folder and pins it by commit and every file's sha256. */
async function pinModel(
  model: string,
  options: OpenBackboneOptions,
): Promise<{ dir: string; base: BackbonePin }> {
  const { dir, pulled } = await locateModel(model, options);
  const paths = pulled === undefined ? await listFiles(dir) : pulled.files.map((f) => f.path);
  const files = await pinFiles(dir, paths, sha256MemoFor(options));
  if (pulled === undefined) {
    // A local folder is pinned by content: a commit id hashed from its file list.
    const commit = createHash('sha1')
      .update(files.map((f) => `${f.path}\t${f.sha256}`).join('\n'))
      .digest('hex');
    const name =
      basename(dir)
        .replace(/[^A-Za-z0-9_.-]/g, '-')
        .replace(/^[-.]+|[-.]+$/g, '') || 'model';
    return { dir, base: { endpoint: `file://${dir}`, repo: `local/${name}`, commit, files } };
  }
  return {
    dir: pulled.dir,
    base: { endpoint: pulled.endpoint, repo: pulled.repo, commit: pulled.commit, files },
  };
}

/** A backbone opened with several candidate taps, poolings and paddings, for a cross-validated choice. */
export interface OpenedCandidates {
  readonly candidates: CandidateExtractor;
  readonly base: BackbonePin;
  readonly format: FeatureTap['runtime'];
  readonly dir: string;
}

/** What to try besides the model's own tap (see `CandidateOptions`). */
export type CandidateChoices = Pick<CandidateOptions, 'poolings' | 'earlierTaps' | 'padding' | 'gridViews'>;

/**
 * The candidates of an adapter without its own `loadCandidateExtractor` (TF.js): its one
 * extractor, pooled each way asked when its tap has positions to pool.
 */
async function singleTapCandidates(
  adapter: ModelAdapter,
  dir: string,
  options: CandidateOptions,
): Promise<CandidateExtractor> {
  const [firstPooling = 'mean', ...otherPoolings] = options.poolings;
  const first = await adapter.loadFeatureExtractor(dir, { ...options, pooling: firstPooling });
  const extractors: FeatureExtractor[] = [first];
  try {
    if (first.tap.pooling !== 'none') {
      for (const pooling of otherPoolings) {
        extractors.push(await adapter.loadFeatureExtractor(dir, { ...options, pooling }));
      }
    }
  } catch (error) {
    await Promise.all(extractors.map((e) => e.dispose()));
    throw error;
  }
  return extractorCandidates(options.modelId, extractors);
}

/**
 * Like {@link openBackbone}, but loads every candidate feature variant (taps × poolings ×
 * paddings) the model's adapter offers, computed in one pass per image and padding.
 */
export async function openCandidates(
  model: string,
  choices: CandidateChoices,
  options: OpenBackboneOptions = {},
): Promise<OpenedCandidates> {
  const { dir, base } = await pinModel(model, options);
  const adapter = await adapterFor(dir, options.adapters ?? adapterModules);
  const candidateOptions: CandidateOptions = {
    modelId: `${base.repo}@${base.commit}`,
    workDir: derivedDir(options),
    sha256Of: memoSha256Of(options),
    ...choices,
    ...(options.layer === undefined ? {} : { layer: options.layer }),
    ...(options.preprocess === undefined ? {} : { preprocess: options.preprocess }),
  };
  const candidates =
    adapter.loadCandidateExtractor === undefined
      ? await singleTapCandidates(adapter, dir, candidateOptions)
      : await adapter.loadCandidateExtractor(dir, candidateOptions);
  const format = candidates.variants[0]?.tap.runtime ?? 'onnx';
  return { candidates, base, format, dir };
}

async function load(dir: string, base: BackbonePin, options: OpenBackboneOptions): Promise<OpenedBackbone> {
  const adapter = await adapterFor(dir, options.adapters ?? adapterModules);
  const extractor = await adapter.loadFeatureExtractor(dir, {
    modelId: `${base.repo}@${base.commit}`,
    workDir: derivedDir(options),
    sha256Of: memoSha256Of(options),
    ...(options.layer === undefined ? {} : { layer: options.layer }),
    ...(options.pooling === undefined ? {} : { pooling: options.pooling }),
    ...(options.mask === undefined ? {} : { mask: options.mask }),
    ...(options.views === undefined ? {} : { views: options.views }),
    ...(options.preprocess === undefined ? {} : { preprocess: options.preprocess }),
  });
  return { extractor, base, format: extractor.tap.runtime, dir };
}
