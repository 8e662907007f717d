import type { EmbedFailure, EmbedResult, FeatureExtractor, ModelInput } from './feature-extractor.ts';
import type { AdapterOptions } from './model-adapter.ts';
import type { FeatureTap } from '../manifest/head-manifest.ts';
import type { PoolingName } from '../pooling/pool-features.ts';
import type { InputSpec } from '../preprocess/input-spec.ts';

/** One candidate way of turning an input into features: where to tap, how to pool, how to pad. */
export interface FeatureVariant {
  readonly tap: FeatureTap;
  /** The preprocessing; for images, `pad.multiple` set means each image is padded only to its own size. */
  readonly preprocess: InputSpec;
}

/** Every variant's vector for each input (`undefined` where the input failed), in input order. */
export interface CandidateEmbedResult {
  readonly vectors: ReadonlyArray<readonly Float32Array[] | undefined>;
  readonly failures: readonly EmbedFailure[];
  /** What was done to inputs that still produced vectors, each kind said once (see `EmbedResult`). */
  readonly warnings?: readonly string[];
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
  embed(inputs: readonly ModelInput[]): Promise<CandidateEmbedResult>;
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
  /**
   * Also try the automatic tap joined with a grid view of the backbone's last feature map (the
   * map the network itself pools away, see `feature.views`), for image backbones whose adapter
   * can tap several tensors in one run. @default true
   */
  readonly gridViews?: boolean;
}

/**
 * Plain extractors of one backbone as a candidate set, one variant each (in order): for backbones
 * whose adapter reads only one tap per run (TF.js) and for texts and sounds, where the only choice
 * left is how to pool. Each extractor embeds every input.
 */
export function extractorCandidates(
  modelId: string,
  extractors: readonly FeatureExtractor[],
): CandidateExtractor {
  return {
    modelId,
    variants: extractors.map((e) => ({ tap: e.tap, preprocess: e.preprocess })),
    embed: async (inputs) => {
      const results: EmbedResult[] = [];
      for (const e of extractors) {
        results.push(await e.embed(inputs));
      }
      // An input any extractor failed on is a failure (said once, by the first that failed).
      const failures = new Map<number, EmbedFailure>();
      for (const f of results.flatMap((r) => r.failures)) {
        failures.set(f.index, failures.get(f.index) ?? f);
      }
      return {
        vectors: inputs.map((_, i) =>
          failures.has(i) ? undefined : results.map((r) => r.vectors[i] as Float32Array),
        ),
        failures: [...failures.values()].sort((a, b) => a.index - b.index),
        warnings: [...new Set(results.flatMap((r) => r.warnings ?? []))],
      };
    },
    dispose: async () => {
      await Promise.all(extractors.map((e) => e.dispose()));
    },
  };
}
