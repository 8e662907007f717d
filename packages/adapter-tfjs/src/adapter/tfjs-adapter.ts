import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError, refuseViews } from '@modelhub/core';
import type {
  AdapterOptions,
  FeatureCandidate,
  FeatureExtractor,
  ImageInput,
  ModelAdapter,
  ModelInspection,
  OriginalPrediction,
} from '@modelhub/core';
import { describeInput, imageContract } from '@modelhub/vision';

import { declaredModality } from '@modelhub/text';

import { readModelJson } from '../model/model-files.ts';
import { toModelhubError } from '../model/to-modelhub-error.ts';
import { openModel } from './open-model.ts';
import { sparseTextContract, takesSparseIds, UseTextExtractor } from './use-text-extractor.ts';
import { runBatches } from './run-batches.ts';
import { planTfjsPooling } from './tfjs-pool-plan.ts';
import { loadTfjsFeatureExtractor, startPool, warmupShape } from './tfjs-feature-extractor.ts';
import type { TfjsExtractorOptions } from './tfjs-feature-extractor.ts';

async function detect(modelDir: string): Promise<boolean> {
  try {
    const json = JSON.parse(await readFile(join(modelDir, 'model.json'), 'utf8')) as unknown;
    return typeof json === 'object' && json !== null && 'modelTopology' in json && 'weightsManifest' in json;
  } catch {
    return false;
  }
}

/** True when the folder holds a text model: its modelhub.json says so, or its graph takes sparse token ids. */
async function isTextModel(modelDir: string, options: Pick<AdapterOptions, 'preprocess'>): Promise<boolean> {
  if (options.preprocess !== undefined) {
    return options.preprocess.modality === 'text';
  }
  if ((await declaredModality(modelDir)) === 'text') {
    return true;
  }
  try {
    return takesSparseIds(await readModelJson(modelDir));
  } catch (error) {
    throw toModelhubError(error, modelDir);
  }
}

async function inspectText(modelDir: string, options: AdapterOptions): Promise<ModelInspection> {
  const extractor = await UseTextExtractor.open(modelDir, await readModelJson(modelDir), {
    ...options,
    workers: 1,
  });
  try {
    const candidate = {
      tensor: extractor.tap.tensor,
      dim: extractor.dim,
      pooling: extractor.tap.pooling,
      reason: 'the sentence encoder’s own output (one vector per text)',
    };
    return {
      format: 'tfjs-graph',
      modality: 'text',
      contract: sparseTextContract(extractor.preprocess),
      inputs: [
        { name: 'indices', shape: [-1, 2], dtype: 'int32' },
        { name: 'values', shape: [-1], dtype: 'int32' },
      ],
      outputs: [{ name: extractor.tap.tensor, shape: [-1, extractor.dim], dtype: 'float32' }],
      candidates: [candidate],
      chosen: candidate,
      preprocess: extractor.preprocess,
      warnings: [],
    };
  } finally {
    await extractor.dispose();
  }
}

async function inspect(modelDir: string, options: AdapterOptions): Promise<ModelInspection> {
  if (await isTextModel(modelDir, options)) {
    return inspectText(modelDir, options);
  }
  const opened = await openModel(modelDir, options);
  const { topology } = opened;
  const names = [
    opened.tap,
    ...[topology.defaultTap, ...topology.otherCandidates].filter(
      (n): n is string => n !== undefined && n !== opened.tap,
    ),
  ];
  const warm = warmupShape(opened);
  // Output shapes need the model: one worker loads it and reports them.
  const pool = await startPool(modelDir, opened, null, { workers: 1 });
  let shapes: Array<number[] | null>;
  try {
    shapes = warm === null ? names.map(() => null) : await pool.describe(names, warm);
  } finally {
    await pool.close();
  }
  const candidates: FeatureCandidate[] = names.map((tensor, i) => {
    const shape = shapes[i] ?? null;
    const plan =
      shape === null
        ? undefined
        : planTfjsPooling(shape, options.pooling, options.mask ?? true, opened.preprocess);
    const reason =
      tensor === topology.defaultTap
        ? topology.kind === 'layers'
          ? 'input of the first Dense layer of the classifier head'
          : 'input of the first MatMul of the classifier head'
        : tensor === options.layer
          ? 'named with --layer'
          : 'pooling/flatten layer near the output';
    return { tensor, dim: plan?.dim ?? 0, pooling: plan?.pooling ?? 'none', reason };
  });
  const output = { name: topology.outputName, shape: [-1, topology.outputSize ?? -1], dtype: 'float32' };
  return {
    format: topology.kind === 'layers' ? 'tfjs-layers' : 'tfjs-graph',
    modality: 'image',
    contract: imageContract(opened.preprocess),
    inputs: [{ name: topology.inputName, shape: topology.inputShape, dtype: 'float32' }],
    outputs: [output],
    candidates,
    chosen: candidates[0],
    preprocess: opened.preprocess,
    warnings: opened.warnings,
  };
}

async function predictOriginal(
  modelDir: string,
  inputs: readonly ImageInput[],
  options: AdapterOptions & { readonly topK: number; readonly workers?: number },
): Promise<OriginalPrediction[]> {
  if (await isTextModel(modelDir, options)) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${modelDir} is a text encoder without an output layer of its own, so it has no labels to predict.`,
      {
        hint: 'Use `hub embed` for its features, or train a head on it with `hub train` and predict with the head.',
      },
    );
  }
  const opened = await openModel(modelDir, {
    ...(options.preprocess === undefined ? {} : { preprocess: options.preprocess }),
  });
  const pool = await startPool(modelDir, opened, null, { workers: options.workers ?? 1 });
  try {
    const { rows, failures } = await runBatches(inputs, opened.preprocess, pool, {
      batchSize: options.batchSize ?? 16,
      inputDims: opened.topology.inputShape.slice(1),
      decodeConcurrency: 4,
    });
    const errors = new Map(failures.map((f) => [f.index, f.error]));
    return rows.map((row, i) => {
      const input = describeInput(inputs[i] as ImageInput);
      const error = errors.get(i);
      if (error !== undefined) {
        return { input, top: [], error };
      }
      const top = Array.from(row ?? [])
        .map((score, index) => ({ label: opened.labels?.[index] ?? String(index), index, score }))
        .sort((a, b) => b.score - a.score)
        .slice(0, Math.max(1, options.topK));
      return { input, top };
    });
  } finally {
    await pool.close();
  }
}

/**
 * The TF.js adapter: layers and graph models from a local folder (`model.json` + weight shards),
 * run on the wasm backend in worker threads. No tfjs-node, no native binaries.
 */
export const tfjsAdapter: ModelAdapter = {
  format: 'tfjs',
  detect,
  inspect,
  loadFeatureExtractor: async (
    modelDir: string,
    options: TfjsExtractorOptions,
  ): Promise<FeatureExtractor> => {
    refuseViews(options.views, `The TF.js model in ${modelDir}`);
    return (await isTextModel(modelDir, options))
      ? UseTextExtractor.open(modelDir, await readModelJson(modelDir), options)
      : loadTfjsFeatureExtractor(modelDir, options);
  },
  predictOriginal,
};
