import { ModelhubError, joinViews } from '@modelhub/core';
import type {
  EmbedFailure,
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ImageInput,
  PreprocessSpec,
} from '@modelhub/core';
import { decodeBatch, stackBySize } from '@modelhub/vision';
import type { DecodeBatchResult } from '@modelhub/vision';

import { poolBatch, poolGridBatch } from '../pooling/pool-plan.ts';
import type { GridViewPlan, PoolPlan } from '../pooling/pool-plan.ts';
import type { WorkerSession } from '../session/worker-session.ts';

/** Images per `session.run` unless the caller says otherwise (PaddleOCR rec is fastest per image at small batches). */
export const DEFAULT_BATCH_SIZE = 8;

/**
 * One feature vector per image: a tapped tensor and how it is pooled, joined with grid views of
 * other tensors of the same run when `views` is set (`tap.views` records them).
 */
export interface TapVariant {
  readonly tap: FeatureTap;
  readonly plan: PoolPlan;
  readonly views?: readonly GridViewPlan[];
}

export interface OnnxExtractorParts {
  readonly modelId: string;
  /** The session, on its own worker thread so decoding continues while it runs. */
  readonly session: WorkerSession;
  readonly inputName: string;
  /** What each image yields; the first is what `embed` returns. */
  readonly variants: readonly [TapVariant, ...TapVariant[]];
  readonly preprocess: PreprocessSpec;
  readonly batchSize: number;
  /** Path of the (edited) model the session runs. */
  readonly modelPath: string;
  /** Release the session on dispose (false when another extractor shares it). @default true */
  readonly ownsSession?: boolean;
}

/** Every variant's vectors of one batch, in input order; `undefined` where that input failed. */
export interface VariantEmbedResult {
  readonly vectors: ReadonlyArray<readonly Float32Array[] | undefined>;
  readonly failures: readonly EmbedFailure[];
}

/**
 * Runs one session over many images: batches of `batchSize`, decoding batch k+1 (sharp on libuv
 * threads, normalisation on the main thread) while batch k runs on the session's worker thread.
 * Images of equal size run together; each tapped tensor is fetched once per batch and pooled into
 * every variant that reads it, only over the positions covering the real image when a variant's
 * plan masks. Each batch's buffers are dropped once its vectors are pooled, so memory stays flat
 * however many images go through.
 */
export class OnnxFeatureExtractor implements FeatureExtractor {
  readonly modelId: string;
  readonly dim: number;
  readonly tap: FeatureTap;
  readonly preprocess: PreprocessSpec;
  /** Path of the edited model (the original plus the taps as outputs). */
  readonly modelPath: string;
  private readonly parts: OnnxExtractorParts;
  private readonly fetches: readonly string[];
  private disposed = false;

  constructor(parts: OnnxExtractorParts) {
    this.parts = parts;
    const [primary] = parts.variants;
    this.modelId = parts.modelId;
    this.dim = primary.tap.dim;
    this.tap = primary.tap;
    this.preprocess = parts.preprocess;
    this.modelPath = parts.modelPath;
    this.fetches = [
      ...new Set(parts.variants.flatMap((v) => [v.tap.tensor, ...(v.views ?? []).map((g) => g.view.tensor)])),
    ];
  }

  /** How the tapped tensor is pooled (rank, channel axis, mask), as decided by the probe runs. */
  get poolPlan(): PoolPlan {
    return this.parts.variants[0].plan;
  }

  /** Every variant this extractor computes, in order. */
  get variants(): readonly TapVariant[] {
    return this.parts.variants;
  }

  async embed(inputs: readonly ImageInput[]): Promise<EmbedResult> {
    const { vectors, failures } = await this.embedVariants(inputs);
    return { vectors: vectors.map((v) => v?.[0]), failures };
  }

  /** Embeds a batch of images once and returns the vector of every variant for each. */
  async embedVariants(inputs: readonly ImageInput[]): Promise<VariantEmbedResult> {
    this.assertOpen();
    const { batchSize } = this.parts;
    const vectors = new Array<Float32Array[] | undefined>(inputs.length).fill(undefined);
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
    vectors: Array<Float32Array[] | undefined>,
  ): Promise<void> {
    for (const { indices, dims, data, valid } of stackBySize(decoded.images)) {
      const pooled = await this.runTensorVariants(data, [indices.length, ...dims], valid, true);
      indices.forEach((i, row) => {
        vectors[start + i] = pooled.map((rows) => rows[row] as Float32Array);
      });
    }
  }

  /**
   * Runs already-preprocessed images ([n, ...dims] in the spec's layout) and pools the primary tap.
   * `valid` gives each image's real (unpadded) region; without it every position counts as real.
   * With `transfer`, `data`'s buffer moves to the worker (and is unusable afterwards) instead of
   * being copied.
   */
  async runTensor(
    data: Float32Array,
    dims: readonly number[],
    transfer = false,
    valid?: ReadonlyArray<{ readonly height: number; readonly width: number }>,
  ): Promise<Float32Array[]> {
    return (await this.runTensorVariants(data, dims, valid, transfer))[0] ?? [];
  }

  /** Like {@link runTensor}, for every variant: `result[v][row]`. */
  private async runTensorVariants(
    data: Float32Array,
    dims: readonly number[],
    valid: ReadonlyArray<{ readonly height: number; readonly width: number }> | undefined,
    transfer: boolean,
  ): Promise<Float32Array[][]> {
    this.assertOpen();
    const { session, inputName, variants } = this.parts;
    let out: Awaited<ReturnType<WorkerSession['run']>>;
    try {
      out = await session.run(inputName, data, dims, [...this.fetches], transfer);
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
    const size = this.inputSize(dims);
    const regions = valid ?? Array.from({ length: dims[0] ?? 0 }, () => size);
    const fetched = (tensor: string): { data: Float32Array; dims: readonly number[] } => {
      const t = out[tensor];
      if (t === undefined) {
        throw new ModelhubError('INTERNAL', `onnxruntime returned no "${tensor}" tensor.`);
      }
      return t;
    };
    // Several variants join the same grid view (one plan object): pool it once per batch.
    const grids = new Map<GridViewPlan, Float32Array[]>();
    const gridOf = (g: GridViewPlan): Float32Array[] => {
      let rows = grids.get(g);
      if (rows === undefined) {
        const t = fetched(g.view.tensor);
        rows = poolGridBatch(t.data, t.dims, g, size, regions);
        grids.set(g, rows);
      }
      return rows;
    };
    return variants.map(({ tap, plan, views }) => {
      const t = fetched(tap.tensor);
      const pooled = poolBatch(t.data, t.dims, plan, size, regions);
      if (views === undefined || views.length === 0) {
        return pooled;
      }
      const viewRows = views.map(gridOf);
      const weights = [1, ...views.map((g) => g.view.weight)];
      return pooled.map((v, row) => joinViews([v, ...viewRows.map((r) => r[row] as Float32Array)], weights));
    });
  }

  /** Height and width of a batch `[n, ...dims]` in the spec's layout. */
  private inputSize(dims: readonly number[]): { height: number; width: number } {
    return this.preprocess.layout === 'NCHW'
      ? { height: dims[2] ?? 0, width: dims[3] ?? 0 }
      : { height: dims[1] ?? 0, width: dims[2] ?? 0 };
  }

  async dispose(): Promise<void> {
    if (!this.disposed) {
      this.disposed = true;
      if (this.parts.ownsSession !== false) {
        await this.parts.session.release();
      }
    }
  }

  private assertOpen(): void {
    if (this.disposed) {
      throw new ModelhubError('INVALID_ARGUMENT', `The feature extractor for ${this.modelId} was disposed.`);
    }
  }
}
