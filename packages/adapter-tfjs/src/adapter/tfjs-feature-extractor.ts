import { availableParallelism } from 'node:os';

import { ModelhubError } from '@modelhub/core';
import type {
  AdapterOptions,
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ImageInput,
  PreprocessSpec,
} from '@modelhub/core';
import { specOutputDims } from '@modelhub/vision';

import { WorkerPool } from '../runtime/worker-pool.ts';
import { openModel } from './open-model.ts';
import type { OpenedModel } from './open-model.ts';
import { runBatches } from './run-batches.ts';
import { planTfjsPooling, poolTfjsBatch, tfjsMaskRule } from './tfjs-pool-plan.ts';
import type { TfjsPoolPlan } from './tfjs-pool-plan.ts';

/** Options of the TF.js feature extractor beyond the shared adapter options. */
export interface TfjsExtractorOptions extends AdapterOptions {
  /**
   * Worker threads, each with its own single-threaded wasm backend and model copy.
   * @default min(2, os.availableParallelism())
   */
  readonly workers?: number;
}

/** The input shape `[1, …]` a model is warmed up with: the model's fixed dims, else the spec's. */
export function warmupShape(opened: OpenedModel): number[] | null {
  const modelDims = opened.topology.inputShape.slice(1);
  const specDims = specOutputDims(opened.preprocess);
  if (modelDims.length > 0 && modelDims.every((d) => d > 0)) {
    return [1, ...modelDims];
  }
  if (specDims !== undefined && modelDims.length === 0) {
    return [1, ...specDims];
  }
  if (specDims !== undefined && modelDims.length === specDims.length) {
    return [1, ...modelDims.map((d, i) => (d > 0 ? d : (specDims[i] ?? 1)))];
  }
  return null;
}

/** Starts a worker pool for `opened`, tapping `tap` (null = the model's own output). */
export async function startPool(
  modelDir: string,
  opened: OpenedModel,
  tap: string | null,
  options: Pick<TfjsExtractorOptions, 'workers'>,
): Promise<WorkerPool> {
  const count = Math.max(1, Math.floor(options.workers ?? Math.min(2, availableParallelism())));
  return WorkerPool.start(count, {
    modelDir,
    kind: opened.topology.kind,
    tap,
    warmupShape: warmupShape(opened),
  });
}

/** A FeatureExtractor with TF.js diagnostics. */
export interface TfjsFeatureExtractor extends FeatureExtractor {
  /** Number of worker threads (each one wasm backend). */
  readonly workers: number;
  /** Live tensors and bytes in each worker's tf engine; constant across batches when nothing leaks. */
  workerMemory(): Promise<Array<{ numTensors: number; numBytes: number }>>;
}

class TfjsFeatureExtractorImpl implements TfjsFeatureExtractor {
  readonly modelId: string;
  readonly dim: number;
  readonly tap: FeatureTap;
  readonly preprocess: PreprocessSpec;
  private readonly pool: WorkerPool;
  private readonly batchSize: number;
  private readonly inputDims: number[];
  private readonly plan: TfjsPoolPlan;

  constructor(
    modelId: string,
    tap: FeatureTap,
    preprocess: PreprocessSpec,
    pool: WorkerPool,
    batchSize: number,
    inputDims: number[],
    plan: TfjsPoolPlan,
  ) {
    this.modelId = modelId;
    this.dim = tap.dim;
    this.tap = tap;
    this.preprocess = preprocess;
    this.pool = pool;
    this.batchSize = batchSize;
    this.inputDims = inputDims;
    this.plan = plan;
  }

  async embed(inputs: readonly ImageInput[]): Promise<EmbedResult> {
    const { rows, failures } = await runBatches(inputs, this.preprocess, this.pool, {
      batchSize: this.batchSize,
      inputDims: this.inputDims,
      decodeConcurrency: 4,
      reduce: (out, valid, inputSize) => poolTfjsBatch(out, this.plan, inputSize, valid),
    });
    return { vectors: rows, failures };
  }

  get workers(): number {
    return this.pool.size;
  }

  workerMemory(): Promise<Array<{ numTensors: number; numBytes: number }>> {
    return this.pool.memory();
  }

  dispose(): Promise<void> {
    return this.pool.close();
  }
}

/**
 * Loads a TF.js layers or graph model from a folder as a feature extractor: the model is cut at
 * `options.layer` (default: the layer/node feeding the classifier's first Dense/MatMul) and run on
 * the wasm backend in worker threads, one per core by default.
 */
export async function loadTfjsFeatureExtractor(
  modelDir: string,
  options: TfjsExtractorOptions,
): Promise<TfjsFeatureExtractor> {
  const opened = await openModel(modelDir, options);
  const pool = await startPool(modelDir, opened, opened.tap, options);
  const shape = pool.ready.shape;
  if (shape === null) {
    await pool.close();
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `Cannot tell the feature size of the TF.js model in ${modelDir}: its input size is not fixed`,
      {
        hint: 'Give the preprocessing a fixed size (resize exact, crop or pad) in modelhub.json.',
        details: { modelDir },
      },
    );
  }
  const plan = planTfjsPooling(shape, options.pooling, options.mask ?? true, opened.preprocess);
  const mask = tfjsMaskRule(plan);
  const tap: FeatureTap = {
    tensor: opened.tap,
    runtime: opened.topology.kind === 'layers' ? 'tfjs-layers' : 'tfjs-graph',
    pooling: plan.pooling,
    dim: plan.dim,
    ...(mask === undefined ? {} : { mask }),
  };
  const batchSize = Math.max(1, Math.floor(options.batchSize ?? 16));
  return new TfjsFeatureExtractorImpl(
    options.modelId,
    tap,
    opened.preprocess,
    pool,
    batchSize,
    opened.topology.inputShape.slice(1),
    plan,
  );
}
