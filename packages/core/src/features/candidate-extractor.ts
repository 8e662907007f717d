import type { EmbedFailure, ImageInput } from './feature-extractor.ts';
import type { AdapterOptions } from './model-adapter.ts';
import type { FeatureTap } from '../manifest/head-manifest.ts';
import type { PoolingName } from '../pooling/pool-features.ts';
import type { PreprocessSpec } from '../preprocess/preprocess-spec.ts';

/** One candidate way of turning an image into features: where to tap, how to pool, how to pad. */
export interface FeatureVariant {
  readonly tap: FeatureTap;
  /** The preprocessing; `pad.multiple` set means each image is padded only to its own size. */
  readonly preprocess: PreprocessSpec;
}

/** Every variant's vector for each input (`undefined` where the input failed), in input order. */
export interface CandidateEmbedResult {
  readonly vectors: ReadonlyArray<readonly Float32Array[] | undefined>;
  readonly failures: readonly EmbedFailure[];
}

/**
 * A backbone yielding several candidate feature vectors per image, so a trainer can choose among
 * them by cross-validation: all taps are read and pooled from ONE run per image and preprocessing
 * (a second, cheaper run when images may also be padded only to their own size).
 */
export interface CandidateExtractor {
  readonly modelId: string;
  /** The candidates, in order; the first is what the plain extractor would give by default. */
  readonly variants: readonly FeatureVariant[];
  embed(inputs: readonly ImageInput[]): Promise<CandidateEmbedResult>;
  dispose(): Promise<void>;
}

/** What to try (see {@link CandidateExtractor}). */
export interface CandidateOptions extends AdapterOptions {
  /** Poolings to try on taps with position axes. */
  readonly poolings: readonly PoolingName[];
  /** Also try this many feature tensors before the automatic tap (ignored with `layer`). @default 2 */
  readonly earlierTaps?: number;
  /**
   * `full`: pad to the preprocessing's full size (what the model was trained with); `tight`: pad each
   * image only to its own size rounded up to the model's stride, when the model's input size is free.
   * @default ['full', 'tight']
   */
  readonly padding?: ReadonlyArray<'full' | 'tight'>;
}
