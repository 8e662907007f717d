import type { EmbedCandidatesOptions } from '../cache/embed-candidates.ts';
import type { EmbedProgress } from '../cache/embed-item.ts';
import type { FeatureCache } from '../cache/feature-cache.ts';

/** How a training pipeline embeds its dataset (both `trainOnDataset` and `trainWithSelection`). */
export interface DatasetEmbedOptions {
  readonly cache?: FeatureCache;
  /** Leave files the backbone cannot read out instead of failing. */
  readonly skipBad?: boolean;
  /** Items per extractor call. */
  readonly embedBatchSize?: number;
  readonly onEmbedProgress?: (p: EmbedProgress) => void;
}

/** The pipeline's embedding options under the embedder's names (unset ones stay unset). */
export function embedOptionsOf(options: DatasetEmbedOptions): EmbedCandidatesOptions {
  return {
    ...(options.cache === undefined ? {} : { cache: options.cache }),
    ...(options.skipBad === undefined ? {} : { skipBad: options.skipBad }),
    ...(options.embedBatchSize === undefined ? {} : { batchSize: options.embedBatchSize }),
    ...(options.onEmbedProgress === undefined ? {} : { onProgress: options.onEmbedProgress }),
  };
}
