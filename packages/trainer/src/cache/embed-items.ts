import { extractorCandidates, type FeatureExtractor } from '@modelhub/core';

import { embedCandidates } from './embed-candidates.ts';
import type { EmbedItem, EmbedProgress } from './embed-item.ts';
import type { FeatureCache } from './feature-cache.ts';

/** Options of {@link embedItems}. */
export interface EmbedItemsOptions {
  readonly cache?: FeatureCache;
  /** Images per `extractor.embed` call. @default 16 */
  readonly batchSize?: number;
  /** Leave images the backbone cannot read out (listed in `failures`) instead of failing. */
  readonly skipBad?: boolean;
  readonly onProgress?: (p: EmbedProgress) => void;
}

/** Vectors in item order (`undefined` for skipped items), with what came from the cache. */
export interface EmbedItemsResult {
  readonly vectors: ReadonlyArray<Float32Array | undefined>;
  readonly failures: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  readonly fromCache: number;
  readonly embedded: number;
  readonly namespace: string;
  /** What the extractor did to some inputs (e.g. texts cut to the model's length), each said once. */
  readonly warnings: readonly string[];
}

/**
 * Embeds items through the cache: vectors already cached for this backbone setup are read back,
 * only the rest go through the extractor (and are then cached). Items with the same content are
 * embedded once. It is {@link embedCandidates} with one variant.
 */
export async function embedItems(
  items: readonly EmbedItem[],
  extractor: FeatureExtractor,
  options: EmbedItemsOptions = {},
): Promise<EmbedItemsResult> {
  const result = await embedCandidates(items, extractorCandidates(extractor.modelId, [extractor]), options);
  return {
    vectors: result.vectors.map((vs) => vs?.[0]),
    failures: result.failures,
    fromCache: result.fromCache,
    embedded: result.embedded,
    namespace: result.namespaces[0] ?? '',
    warnings: result.warnings,
  };
}
