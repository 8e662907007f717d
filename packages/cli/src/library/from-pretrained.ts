import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { pull, type ClientOptions, type PullEvent } from '@modelhub/client';
import {
  ModelhubError,
  hashFile,
  isModelhubError,
  type EmbedResult,
  type FeatureExtractor,
  type HeadManifest,
  type ImageInput,
  parseHeadManifest,
} from '@modelhub/core';
import { loadHeadClassifier, type HeadPrediction } from '@modelhub/trainer';

import { openBackbone, type BackbonePin } from './open-backbone.ts';

/** Options of {@link fromPretrained}. Registry, token, cache and offline mode default as for `hub`. */
export interface FromPretrainedOptions extends ClientOptions {
  /** Tap this tensor / layer of a backbone instead of the one found automatically. */
  readonly layer?: string;
  /** Pull exactly what this lockfile pins (with `frozen`), or record what was pulled. */
  readonly lockfile?: string;
  readonly frozen?: boolean;
  /** Download progress of the head and its base model. */
  readonly onProgress?: (event: PullEvent) => void;
}

/** A pretrained backbone, cut below its output layer. */
export interface PretrainedBackbone extends FeatureExtractor {
  readonly kind: 'backbone';
  readonly pin: BackbonePin;
}

/** A fine-tuned head bound to its pinned, verified base model. */
export interface PretrainedClassifier {
  readonly kind: 'classifier';
  /** The head repository and commit. */
  readonly head: { readonly repo: string; readonly commit: string; readonly dir: string };
  /** The base model, as pinned by the head. */
  readonly base: HeadManifest['base'];
  readonly labels: readonly string[];
  readonly manifest: HeadManifest;
  /** Top-k labels with probabilities for each image. */
  predict(images: readonly ImageInput[], options?: { readonly topK?: number }): Promise<HeadPrediction[]>;
  /** The base model's features for each image (what the head sees). */
  embed(images: readonly ImageInput[]): Promise<EmbedResult>;
  dispose(): Promise<void>;
}

export type Pretrained = PretrainedBackbone | PretrainedClassifier;

interface ModelhubJson {
  readonly format?: unknown;
}

async function isHeadFolder(dir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(join(dir, 'modelhub.json'), 'utf8')) as ModelhubJson;
    return json.format === 'modelhub-head';
  } catch {
    return false;
  }
}

/** Checks the base model's files against the sha256 the head pinned; names the first file that differs. */
async function verifyBase(dir: string, manifest: HeadManifest): Promise<void> {
  for (const file of manifest.base.files) {
    let actual: string;
    try {
      actual = (await hashFile(join(dir, file.path))).sha256;
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
          hint: 'The head was trained on other weights; refusing to load it. Retrain the head, or restore the original base model.',
          details: { path: file.path, expected: file.sha256, actual },
        },
      );
    }
  }
}

/**
 * Pulls the base model at the commit the head pins: from the registry the head came from first
 * (mirrors carry both), then from the endpoint recorded at training time.
 */
async function pullBase(manifest: HeadManifest, headEndpoint: string, options: FromPretrainedOptions) {
  const ref = `${manifest.base.repo}@${manifest.base.commit}`;
  const endpoints = [headEndpoint, manifest.base.endpoint].filter(
    (e, i, all) => all.indexOf(e) === i && !e.startsWith('file:'),
  );
  let lastError: ModelhubError | undefined;
  for (const endpoint of endpoints) {
    try {
      return await pull(ref, { ...options, endpoint });
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

/**
 * Loads a published model in one call. For a backbone it returns a frozen feature extractor; for a
 * head (a folder with a `modelhub-head` modelhub.json) it pulls the head, then its base model at
 * the pinned commit, checks every file's sha256 against the pin, and returns a classifier.
 *
 * @example
 * const clf = await fromPretrained('me/digits-head', { endpoint: 'http://127.0.0.1:8080' });
 * if (clf.kind === 'classifier') console.log(await clf.predict(['seven.png']));
 */
export async function fromPretrained(ref: string, options: FromPretrainedOptions = {}): Promise<Pretrained> {
  const pulled = await pull(ref, options);
  if (!(await isHeadFolder(pulled.dir))) {
    const backbone = await openBackbone(pulled.dir, { ...options, layer: options.layer });
    const pin: BackbonePin = {
      ...backbone.base,
      endpoint: pulled.endpoint,
      repo: pulled.repo,
      commit: pulled.commit,
    };
    const extractor = backbone.extractor;
    return {
      kind: 'backbone',
      pin,
      modelId: `${pulled.repo}@${pulled.commit}`,
      dim: extractor.dim,
      tap: extractor.tap,
      preprocess: extractor.preprocess,
      embed: (inputs) => extractor.embed(inputs),
      dispose: () => extractor.dispose(),
    };
  }
  const manifest = parseHeadManifest(
    JSON.parse(await readFile(join(pulled.dir, 'modelhub.json'), 'utf8')),
    `${pulled.repo}/modelhub.json`,
  );
  const base = await pullBase(manifest, pulled.endpoint, options);
  await verifyBase(base.dir, manifest);
  const backbone = await openBackbone(base.dir, {
    ...options,
    layer: manifest.feature.tensor,
    pooling: manifest.feature.pooling,
    preprocess: manifest.preprocessing,
  });
  const classifier = await loadHeadClassifier(pulled.dir, backbone.extractor);
  return {
    kind: 'classifier',
    head: { repo: pulled.repo, commit: pulled.commit, dir: pulled.dir },
    base: manifest.base,
    labels: classifier.labels,
    manifest,
    predict: (images, opts) => classifier.predict(images, opts),
    embed: (images) => backbone.extractor.embed(images),
    dispose: () => backbone.extractor.dispose(),
  };
}
