import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import {
  describeViews,
  modalityOf,
  sha256,
  type FeatureTap,
  type HeadManifest,
  type InputSpec,
} from '@modelhub/core';
import { parseHeadManifest } from '@modelhub/core/schemas';
import { buildHeadModel } from '@modelhub/onnx';

import type * as tf from '@tensorflow/tfjs';

import type { DenseLayer } from '../fit/dense-layer.ts';
import type { TailPlan } from '../fine-tune/tfjs-tail.ts';
import type { TrainedHead } from '../fit/train-head.ts';
import type { ClassificationMetrics } from '../metrics/classification-metrics.ts';
import { confusionMatrixSvg } from '../metrics/confusion-svg.ts';
import { renderModelCard } from './model-card.ts';
import { tailFiles } from './tail-layout.ts';

/** File names inside a head folder. */
export const headFiles = {
  onnx: 'head.onnx',
  manifest: 'modelhub.json',
  card: 'README.md',
  confusion: 'confusion-matrix.svg',
} as const;

/** The pinned base model of a head. */
export interface BaseModelPin {
  readonly endpoint: string;
  readonly repo: string;
  readonly commit: string;
  readonly files: ReadonlyArray<{ readonly path: string; readonly size: number; readonly sha256: string }>;
}

/** What {@link writeHeadArtifact} needs. */
export interface WriteHeadArtifactOptions {
  readonly outDir: string;
  /** Shown as the card's title. @default the out folder's name */
  readonly name?: string;
  readonly head: Pick<TrainedHead, 'type' | 'hidden' | 'recipe'> & {
    readonly layers: readonly DenseLayer[];
    /** @default 'none' */
    readonly normalize?: TrainedHead['normalize'];
  };
  /** Option 2: the fine-tuned backbone tail (cut → tap); `head.layers` then read its output. */
  readonly tail?: { readonly model: tf.LayersModel; readonly plan: TailPlan };
  readonly labels: readonly string[];
  readonly base: BaseModelPin;
  readonly feature: FeatureTap;
  readonly preprocessing: InputSpec;
  readonly dataset: { readonly manifestSha256: string; readonly perClass: Readonly<Record<string, number>> };
  /** Extra training facts (split, dataset size, trainer version…), merged over the head's recipe. */
  readonly training?: Readonly<Record<string, unknown>>;
  readonly validation: ClassificationMetrics;
  readonly extraMetrics?: Readonly<Record<string, unknown>>;
  readonly createdBy: string;
  readonly createdAt?: Date;
}

/**
 * Writes the head artifact of design.md: `head.onnx` (standardisation folded into the first Gemm,
 * labels in `metadata_props`), `modelhub.json` (validated by core's schema before it is written),
 * a `README.md` model card and the validation confusion matrix as an SVG picture.
 */
export async function writeHeadArtifact(options: WriteHeadArtifactOptions): Promise<HeadManifest> {
  const { head, base } = options;
  const normalize = head.normalize ?? 'none';
  const onnx = buildHeadModel({
    normalize,
    layers: head.layers,
    labels: options.labels,
    metadata: {
      'modelhub.format': 'modelhub-head/1',
      'modelhub.base': `${base.repo}@${base.commit}`,
      'modelhub.feature': `${options.feature.tensor} (${options.feature.pooling}${describeViews(options.feature)}, ${options.feature.dim}-d)`,
    },
  });
  await mkdir(options.outDir, { recursive: true });
  let tail: Record<string, unknown> | undefined;
  if (options.tail !== undefined) {
    // TF.js is loaded only for a head that has a tail to save.
    const { saveTail } = await import('./tail-files.ts');
    const files = await saveTail(options.tail.model, options.outDir);
    const inputShape = (options.tail.model.inputs[0]?.shape ?? []).slice(1).map((d) => d ?? 0);
    tail = {
      format: 'tfjs-layers',
      modelFile: tailFiles.model,
      files,
      inputShape,
      outputDim: head.layers[0]?.inDim ?? 0,
      tapLayer: options.tail.plan.tapLayer,
      trainedLayers: options.tail.plan.trainedLayers,
    };
  }
  const manifestJson = {
    format: 'modelhub-head',
    formatVersion: 1,
    task: `${modalityOf(options.preprocessing)}-classification`,
    base: { endpoint: base.endpoint, repo: base.repo, commit: base.commit, files: base.files },
    feature: options.feature,
    preprocessing: options.preprocessing,
    labels: options.labels,
    head: {
      type: head.type,
      ...(normalize === 'none' ? {} : { normalize }),
      hidden: head.hidden,
      file: headFiles.onnx,
      sha256: sha256(onnx),
      opset: 13,
    },
    ...(tail === undefined ? {} : { tail }),
    training: { ...head.recipe, ...options.training },
    dataset: { manifestSha256: options.dataset.manifestSha256, perClass: options.dataset.perClass },
    metrics: {
      validation: {
        count: options.validation.count,
        accuracy: options.validation.accuracy,
        macroF1: options.validation.macroF1,
        logLoss: options.validation.logLoss,
        perClass: options.validation.perClass,
        confusion: options.validation.confusion,
        majorityBaseline: options.validation.majorityBaseline,
        warnings: options.validation.warnings,
      },
      ...options.extraMetrics,
    },
    createdAt: (options.createdAt ?? new Date()).toISOString(),
    createdBy: options.createdBy,
  };
  // Round-trip through JSON first so the file holds exactly what the schema saw.
  const manifest = parseHeadManifest(JSON.parse(JSON.stringify(manifestJson)), headFiles.manifest);
  const name = options.name ?? options.outDir.split(/[\\/]/).filter(Boolean).pop() ?? 'head';
  await writeFile(join(options.outDir, headFiles.onnx), onnx);
  await writeFile(join(options.outDir, headFiles.manifest), `${JSON.stringify(manifest, null, 2)}\n`);
  await writeFile(join(options.outDir, headFiles.card), renderModelCard(manifest, name));
  await writeFile(
    join(options.outDir, headFiles.confusion),
    confusionMatrixSvg(options.validation, `${name}: validation confusion matrix`),
  );
  return manifest;
}
