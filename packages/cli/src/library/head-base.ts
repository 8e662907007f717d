import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import {
  pull,
  resolveClientConfig,
  type ClientOptions,
  type PullOptions,
  type PullResult,
} from '@modelhub/client';
import {
  ModelhubError,
  type Sha256Memo,
  isModelhubError,
  type FeatureExtractor,
  type HeadManifest,
} from '@modelhub/core';
import { parseHeadManifest } from '@modelhub/core/schemas';
import { loadHeadClassifier, type HeadClassifier } from '@modelhub/trainer';

import { selfCheck, type HeadSelfCheck } from './head-check.ts';
import { openBackbone, sha256MemoFor } from './open-backbone.ts';

interface ModelhubJson {
  readonly format?: unknown;
}

export async function isHeadFolder(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'modelhub.json'), 'utf8')) as ModelhubJson;
    return json.format === 'modelhub-head';
  } catch {
    return false;
  }
}

/**
 * The folder of a base model the head was trained on from local files (a `file:` endpoint), else
 * undefined. Its pinned hashes still decide whether the folder is the one the head was trained on.
 */
export function localBaseDir(manifest: HeadManifest): string | undefined {
  return manifest.base.endpoint.startsWith('file:') ? fileURLToPath(manifest.base.endpoint) : undefined;
}

/** Checks the base model's files against the sha256 the head pinned; names the first file that differs. */
export async function verifyBase(dir: string, manifest: HeadManifest, memo: Sha256Memo): Promise<void> {
  for (const file of manifest.base.files) {
    let actual: string;
    try {
      actual = (await memo.sha256(join(dir, file.path))).sha256;
    } catch (cause) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `The base model ${manifest.base.repo} lacks ${file.path}, which the head pins.`,
        {
          hint: 'The base repository changed under the pinned commit; the head cannot be trusted with it.',
          details: { path: file.path, repo: manifest.base.repo, commit: manifest.base.commit },
          cause,
        },
      );
    }
    if (actual !== file.sha256) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `The base model file ${file.path} of ${manifest.base.repo}@${manifest.base.commit.slice(0, 12)} does not match the head's pin (sha256 ${actual}, expected ${file.sha256}).`,
        {
          hint:
            localBaseDir(manifest) === undefined
              ? `The cached copy of the base model differs from what the head was trained on. Run hub verify --repair ${manifest.base.repo} to download it again.`
              : `The head was trained on other weights; restore the original files in ${localBaseDir(manifest)}.`,
          details: { path: file.path, expected: file.sha256, actual },
        },
      );
    }
  }
}

/**
 * Pulls the base model at the commit the head pins: from the registry the head came from first
 * (mirrors carry both), then from the endpoint recorded at training time, then from the one the
 * options name. The commit and every file hash are pinned, so any registry that has them will do.
 */
export async function pullBase(
  manifest: HeadManifest,
  headEndpoint: string,
  options: ClientOptions & Pick<PullOptions, 'lockfile' | 'frozen' | 'onProgress' | 'limitRate' | 'signal'>,
): Promise<PullResult> {
  const ref = `${manifest.base.repo}@${manifest.base.commit}`;
  const configured = resolveClientConfig(options).endpoint;
  const endpoints = [headEndpoint, manifest.base.endpoint, configured].filter(
    (e, i, all) => all.indexOf(e) === i && !e.startsWith('file:'),
  );
  let lastError: ModelhubError | undefined;
  for (const endpoint of endpoints) {
    try {
      // A token given for the configured registry is not sent to the others the manifest names.
      return await pull(ref, { ...options, endpoint, tokenEndpoint: options.tokenEndpoint ?? configured });
    } catch (error) {
      const missing =
        isModelhubError(error) && (error.code === 'REPO_NOT_FOUND' || error.code === 'REVISION_NOT_FOUND');
      const unreachable = isModelhubError(error) && error.code === 'NETWORK_ERROR';
      if (!isModelhubError(error) || (!missing && !unreachable)) {
        throw error;
      }
      lastError = error;
    }
  }
  throw (
    lastError ?? new ModelhubError('REPO_NOT_FOUND', `The base model ${ref} is on no reachable registry.`)
  );
}

/** A head folder bound to its verified base model. */
export interface LoadedHead {
  readonly manifest: HeadManifest;
  /** The verified base model's folder. */
  readonly baseDir: string;
  readonly classifier: HeadClassifier;
  readonly extractor: FeatureExtractor;
  /** The self-check against the outputs recorded at training time; undefined when none is recorded. */
  readonly check: HeadSelfCheck | undefined;
}

/**
 * Opens a head folder: pulls its base model at the pinned commit (from `headEndpoint` first),
 * checks every pinned sha256, opens the base with the head's tap, pooling and preprocessing, binds
 * the head to it, and runs the self-check (one probe input) when the head recorded one.
 */
export async function loadHead(
  headDir: string,
  headEndpoint: string | undefined,
  options: ClientOptions & Pick<PullOptions, 'lockfile' | 'frozen' | 'onProgress' | 'limitRate' | 'signal'>,
): Promise<LoadedHead> {
  const manifest = parseHeadManifest(
    JSON.parse(await readFile(join(headDir, 'modelhub.json'), 'utf8')),
    join(headDir, 'modelhub.json'),
  );
  const local = headEndpoint === undefined ? localBaseDir(manifest) : undefined;
  const baseDir = local ?? (await pullBase(manifest, headEndpoint ?? manifest.base.endpoint, options)).dir;
  await verifyBase(baseDir, manifest, sha256MemoFor(options));
  const backbone = await openBackbone(baseDir, {
    ...options,
    layer: manifest.feature.tensor,
    pooling: manifest.feature.pooling,
    mask: manifest.feature.mask !== undefined,
    ...(manifest.feature.views === undefined ? {} : { views: manifest.feature.views }),
    preprocess: manifest.preprocessing,
  });
  const classifier = await loadHeadClassifier(headDir, backbone.extractor);
  try {
    const check = await selfCheck(manifest, backbone.extractor, classifier);
    return { manifest, baseDir, classifier, extractor: backbone.extractor, check };
  } catch (error) {
    await backbone.extractor.dispose();
    throw error;
  }
}
