import { basename } from 'node:path';

import { resolveClientConfig, type ClientOptions, type PullEvent, type PullOptions } from '@modelhub/client';
import { type EmbedResult, type FeatureExtractor, type HeadManifest, type ModelInput } from '@modelhub/core';
import type { HeadPrediction } from '@modelhub/trainer';

import { locateModel } from '../adapters/resolve-model.ts';
import { isHeadFolder, loadHead } from './head-base.ts';
import type { HeadSelfCheck } from './head-check.ts';
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
  /** Download at most this many bytes per second (see `PullOptions.limitRate`). */
  readonly limitRate?: PullOptions['limitRate'];
  /** Stops the downloads; what arrived is kept and resumes on the next call. */
  readonly signal?: AbortSignal | undefined;
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
  /**
   * How the head's fixed probe input came out here against the outputs recorded where it was
   * trained (when they differ, a `HEAD_CHECK` warning to `onWarning`, by default a
   * `MODELHUB_HEAD_CHECK` process warning); undefined for a head that recorded none.
   */
  readonly selfCheck: HeadSelfCheck | undefined;
  /** Top-k labels with probabilities for each input (image, `.txt` or `.wav` path, bytes, or `{ text }`). */
  predict(images: readonly ModelInput[], options?: { readonly topK?: number }): Promise<HeadPrediction[]>;
  /** The base model's features for each input (what the head sees). */
  embed(images: readonly ModelInput[]): Promise<EmbedResult>;
  dispose(): Promise<void>;
}

export type Pretrained = PretrainedBackbone | PretrainedClassifier;

/**
 * Loads a published model (a registry reference, or a local folder) in one call. For a backbone it returns a frozen feature extractor; for a
 * head (a folder with a `modelhub-head` modelhub.json) it pulls the head, then its base model at
 * the pinned commit, checks every file's sha256 against the pin, and returns a classifier.
 *
 * @example
 * const clf = await fromPretrained('me/digits-head', { endpoint: 'http://127.0.0.1:8080' });
 * if (clf.kind === 'classifier') console.log(await clf.predict(['seven.png']));
 */
export async function fromPretrained(ref: string, options: FromPretrainedOptions = {}): Promise<Pretrained> {
  const { dir, pulled } = await locateModel(ref, options);
  if (!(await isHeadFolder(dir))) {
    const backbone = await openBackbone(dir, { ...options, layer: options.layer });
    const pin: BackbonePin =
      pulled === undefined
        ? backbone.base
        : { ...backbone.base, endpoint: pulled.endpoint, repo: pulled.repo, commit: pulled.commit };
    const extractor = backbone.extractor;
    return {
      kind: 'backbone',
      pin,
      modelId: `${pin.repo}@${pin.commit}`,
      dim: extractor.dim,
      tap: extractor.tap,
      preprocess: extractor.preprocess,
      embed: (inputs) => extractor.embed(inputs),
      dispose: () => extractor.dispose(),
    };
  }
  const { manifest, classifier, extractor, check } = await loadHead(dir, pulled?.endpoint, options);
  if (check?.warning !== undefined) {
    // Where the client's warnings go: `onWarning`, else Node's process warnings (MODELHUB_HEAD_CHECK).
    resolveClientConfig(options).onWarning({ code: 'HEAD_CHECK', message: check.warning });
  }
  return {
    kind: 'classifier',
    // A local head folder is named like local backbones: local/<folder>, its head file's hash as the commit.
    head:
      pulled === undefined
        ? { repo: `local/${basename(dir)}`, commit: manifest.head.sha256, dir }
        : { repo: pulled.repo, commit: pulled.commit, dir },
    base: manifest.base,
    labels: classifier.labels,
    manifest,
    selfCheck: check,
    predict: (images, opts) => classifier.predict(images, opts),
    embed: (images) => extractor.embed(images),
    dispose: () => extractor.dispose(),
  };
}
