import { ModelhubError } from '@modelhub/core';
import type {
  EmbedFailure,
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ImageInput,
  PreprocessSpec,
} from '@modelhub/core';
import { decodeBatch } from '@modelhub/vision';
import type { DecodeBatchResult } from '@modelhub/vision';

import { poolBatch } from '../pooling/pool-features.ts';
import type { PoolPlan } from '../pooling/pool-features.ts';
import type { WorkerSession } from '../session/worker-session.ts';

/** Images per `session.run` unless the caller says otherwise (PaddleOCR rec is fastest per image at small batches). */
export const DEFAULT_BATCH_SIZE = 8;

export interface OnnxExtractorParts {
  readonly modelId: string;
  /** The session, on its own worker thread so decoding continues while it runs. */
  readonly session: WorkerSession;
  readonly inputName: string;
  readonly tap: FeatureTap;
  readonly plan: PoolPlan;
  readonly preprocess: PreprocessSpec;
  readonly batchSize: number;
  /** Path of the (edited) model the session runs. */
  readonly modelPath: string;
}

/** Dims of a decoded image as a map key. */
const keyOf = (dims: readonly number[]): string => dims.join('x');

/**
 * Runs one session over many images: batches of `batchSize`, decoding batch k+1 (sharp on libuv
 * threads, normalisation on the main thread) while batch k runs on the session's worker thread. Each batch's buffers are dropped once
 * its vectors are pooled, so memory stays flat however many images go through.
 */
export class OnnxFeatureExtractor implements FeatureExtractor {
  readonly modelId: string;
  readonly dim: number;
  readonly tap: FeatureTap;
  readonly preprocess: PreprocessSpec;
  /** Path of the edited model (the original plus the tap as an output). */
  readonly modelPath: string;
  private readonly parts: OnnxExtractorParts;
  private disposed = false;

  constructor(parts: OnnxExtractorParts) {
    this.parts = parts;
    this.modelId = parts.modelId;
    this.dim = parts.plan.dim;
    this.tap = parts.tap;
    this.preprocess = parts.preprocess;
    this.modelPath = parts.modelPath;
  }

  /** How the tapped tensor is pooled (rank, channel axis), as decided by the probe run. */
  get poolPlan(): PoolPlan {
    return this.parts.plan;
  }

  async embed(inputs: readonly ImageInput[]): Promise<EmbedResult> {
    this.assertOpen();
    const { batchSize } = this.parts;
    const vectors = new Array<Float32Array | undefined>(inputs.length).fill(undefined);
    const failures: EmbedFailure[] = [];
    const starts: number[] = [];
    for (let s = 0; s < inputs.length; s += batchSize) {
      starts.push(s);
    }
    const decode = (start: number): Promise<DecodeBatchResult> => {
      const p = decodeBatch(inputs.slice(start, start + batchSize), this.preprocess);
      p.catch(() => undefined); // awaited below; avoid an unhandled rejection while a run is in flight
      return p;
    };
    let pending = starts[0] === undefined ? undefined : decode(starts[0]);
    for (let b = 0; b < starts.length; b++) {
      const start = starts[b] ?? 0;
      const decoded = await (pending as Promise<DecodeBatchResult>);
      const nextStart = starts[b + 1];
      pending = nextStart === undefined ? undefined : decode(nextStart);
      for (const f of decoded.failures) {
        failures.push({ ...f, index: f.index + start });
      }
      await this.runDecoded(decoded, start, vectors);
    }
    return { vectors, failures };
  }

  /** Runs the session on the decoded images of one batch (grouped by size) and stores pooled vectors. */
  private async runDecoded(
    decoded: DecodeBatchResult,
    start: number,
    vectors: Array<Float32Array | undefined>,
  ): Promise<void> {
    const groups = new Map<string, number[]>();
    decoded.images.forEach((img, i) => {
      if (img !== undefined) {
        const key = keyOf(img.dims);
        groups.set(key, [...(groups.get(key) ?? []), i]);
      }
    });
    for (const indices of groups.values()) {
      const first = decoded.images[indices[0] ?? 0];
      if (first === undefined) {
        continue;
      }
      const per = first.data.length;
      const data = new Float32Array(per * indices.length);
      indices.forEach((i, row) => {
        const img = decoded.images[i];
        if (img !== undefined) {
          data.set(img.data, row * per);
        }
      });
      const pooled = await this.runTensor(data, [indices.length, ...first.dims], true);
      indices.forEach((i, row) => {
        vectors[start + i] = pooled[row];
      });
    }
  }

  /**
   * Runs already-preprocessed images ([n, ...dims] in the spec's layout) and pools the tap. With
   * `transfer`, `data`'s buffer moves to the worker (and is unusable afterwards) instead of being copied.
   */
  async runTensor(data: Float32Array, dims: readonly number[], transfer = false): Promise<Float32Array[]> {
    this.assertOpen();
    const { session, inputName, tap, plan } = this.parts;
    let out: Awaited<ReturnType<WorkerSession['run']>>;
    try {
      out = await session.run(inputName, data, dims, [tap.tensor], transfer);
    } catch (error) {
      throw new ModelhubError(
        'INTERNAL',
        `onnxruntime failed on a batch of ${dims[0] ?? 0} images for ${this.modelId}.`,
        {
          hint: 'Check the preprocessing (input size and layout) against the model input with `hub inspect`.',
          details: { dims },
          cause: error,
        },
      );
    }
    const t = out[tap.tensor];
    if (t === undefined) {
      throw new ModelhubError('INTERNAL', `onnxruntime returned no "${tap.tensor}" tensor.`);
    }
    return poolBatch(t.data, t.dims, plan);
  }

  async dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      await this.parts.session.release();
    }
  }

  private assertOpen(): void {
    if (this.disposed) {
      throw new ModelhubError('INVALID_ARGUMENT', `The feature extractor for ${this.modelId} was disposed.`);
    }
  }
}
