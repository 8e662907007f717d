import { ModelhubError, type FeatureExtractor } from '@modelhub/core';

import { featureNamespace, type FeatureCache } from './feature-cache.ts';

/** An example to embed: its path (or table position) and content hash (the cache key). */
export interface EmbedItem {
  readonly path: string;
  readonly sha256: string;
  /** The text itself, for an example read from a table rather than a file. */
  readonly text?: string;
}

/** Progress of {@link embedItems}. */
export interface EmbedProgress {
  readonly done: number;
  readonly total: number;
  readonly fromCache: number;
}

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
 * embedded once.
 */
export async function embedItems(
  items: readonly EmbedItem[],
  extractor: FeatureExtractor,
  options: EmbedItemsOptions = {},
): Promise<EmbedItemsResult> {
  const ns = featureNamespace(extractor);
  const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(items.length);
  const pending = new Map<string, number[]>();
  let fromCache = 0;
  items.forEach((item, i) => {
    const hit = options.cache?.get(ns, item.sha256);
    if (hit !== undefined && hit.length === extractor.dim) {
      vectors[i] = hit;
      fromCache++;
    } else {
      const list = pending.get(item.sha256);
      if (list === undefined) {
        pending.set(item.sha256, [i]);
      } else {
        list.push(i);
      }
    }
  });
  const todo = [...pending.values()];
  const failures: { path: string; message: string }[] = [];
  const warnings: string[] = [];
  const batchSize = Math.max(1, options.batchSize ?? 16);
  let done = fromCache;
  options.onProgress?.({ done, total: items.length, fromCache });
  for (let start = 0; start < todo.length; start += batchSize) {
    const group = todo.slice(start, start + batchSize);
    const inputs = group.map((g) => {
      const item = items[g[0] as number] as EmbedItem;
      return item.text === undefined ? item.path : { text: item.text, name: item.path };
    });
    const result = await extractor.embed(inputs);
    warnings.push(...(result.warnings ?? []));
    const fresh: [string, Float32Array][] = [];
    group.forEach((indices, j) => {
      const vec = result.vectors[j];
      const first = items[indices[0] as number] as EmbedItem;
      if (vec === undefined) {
        return;
      }
      if (vec.length !== extractor.dim) {
        throw new ModelhubError(
          'INTERNAL',
          `${extractor.modelId} returned a ${vec.length}-d vector for ${first.path}, expected ${extractor.dim}`,
        );
      }
      for (const i of indices) {
        vectors[i] = vec;
      }
      fresh.push([first.sha256, vec]);
    });
    for (const failure of result.failures) {
      const indices = group[failure.index] ?? [];
      for (const i of indices) {
        failures.push({ path: (items[i] as EmbedItem).path, message: failure.error.message });
      }
    }
    options.cache?.putMany(ns, fresh);
    done += group.reduce((a, g) => a + g.length, 0);
    options.onProgress?.({ done, total: items.length, fromCache });
  }
  if (failures.length > 0 && options.skipBad !== true) {
    const shown = failures.slice(0, 20).map((f) => `${f.path}: ${f.message}`);
    throw new ModelhubError(
      'INVALID_DATASET',
      `${failures.length} example(s) could not be embedded by ${extractor.modelId}:\n  ${shown.join('\n  ')}`,
      { hint: 'Fix or remove them, or pass --skip-bad to leave them out.', details: { failures } },
    );
  }
  return {
    vectors,
    failures,
    fromCache,
    embedded: items.length - fromCache - failures.length,
    namespace: ns,
    warnings,
  };
}
