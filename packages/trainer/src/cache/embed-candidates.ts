import { ModelhubError, type CandidateExtractor } from '@modelhub/core';

import type { EmbedItem, EmbedProgress } from './embed-item.ts';
import { featureNamespace, type FeatureCache } from './feature-cache.ts';

/** Options of {@link embedCandidates}. */
export interface EmbedCandidatesOptions {
  readonly cache?: FeatureCache;
  /** Images per `candidates.embed` call. @default 16 */
  readonly batchSize?: number;
  /** Leave images the backbone cannot read out (listed in `failures`) instead of failing. */
  readonly skipBad?: boolean;
  readonly onProgress?: (p: EmbedProgress) => void;
}

/** Every variant's vector per item (`undefined` for skipped items), with what came from the cache. */
export interface EmbedCandidatesResult {
  /** `vectors[item][variant]`. */
  readonly vectors: ReadonlyArray<readonly Float32Array[] | undefined>;
  readonly failures: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  readonly fromCache: number;
  readonly embedded: number;
  /** The cache namespace of each variant. */
  readonly namespaces: readonly string[];
  /** What the extractor did to some inputs (e.g. texts cut to the model's length), each said once. */
  readonly warnings: readonly string[];
}

/**
 * Embeds items under every candidate variant through the feature cache: an item whose vectors are
 * cached for every variant is read back; the others go through the candidate extractor once (all
 * variants come out of the same run) and every variant's vector is cached under its own
 * namespace, so a later `hub train` or `hub eval` with the chosen variant finds it.
 */
export async function embedCandidates(
  items: readonly EmbedItem[],
  candidates: CandidateExtractor,
  options: EmbedCandidatesOptions = {},
): Promise<EmbedCandidatesResult> {
  const namespaces = candidates.variants.map((v) =>
    featureNamespace({ modelId: candidates.modelId, tap: v.tap, preprocess: v.preprocess, dim: v.tap.dim }),
  );
  options.cache?.touch(namespaces, candidates.modelId);
  const vectors = new Array<Float32Array[] | undefined>(items.length);
  const pending = new Map<string, number[]>();
  let fromCache = 0;
  items.forEach((item, i) => {
    const hits = namespaces.map((ns) => options.cache?.get(ns, item.sha256));
    if (hits.every((h, v) => h !== undefined && h.length === candidates.variants[v]?.tap.dim)) {
      vectors[i] = hits as Float32Array[];
      fromCache++;
    } else {
      pending.set(item.sha256, [...(pending.get(item.sha256) ?? []), i]);
    }
  });
  const todo = [...pending.values()];
  const failures: { path: string; message: string }[] = [];
  const warnings = new Set<string>();
  const batchSize = Math.max(1, options.batchSize ?? 16);
  let done = fromCache;
  options.onProgress?.({ done, total: items.length, fromCache });
  for (let start = 0; start < todo.length; start += batchSize) {
    const group = todo.slice(start, start + batchSize);
    const result = await candidates.embed(
      group.map((g) => {
        const item = items[g[0] as number] as EmbedItem;
        return item.text === undefined ? item.path : { text: item.text, name: item.path };
      }),
    );
    for (const w of result.warnings ?? []) {
      warnings.add(w);
    }
    const fresh: Array<Array<[string, Float32Array]>> = namespaces.map(() => []);
    group.forEach((indices, j) => {
      const vs = result.vectors[j];
      if (vs === undefined) {
        return;
      }
      const first = items[indices[0] as number] as EmbedItem;
      vs.forEach((vec, v) => {
        if (vec.length !== candidates.variants[v]?.tap.dim) {
          throw new ModelhubError(
            'INTERNAL',
            `${candidates.modelId} returned a ${vec.length}-d vector for ${first.path}, expected ${candidates.variants[v]?.tap.dim}`,
          );
        }
        fresh[v]?.push([first.sha256, vec]);
      });
      for (const i of indices) {
        vectors[i] = [...vs];
      }
    });
    for (const failure of result.failures) {
      for (const i of group[failure.index] ?? []) {
        failures.push({ path: (items[i] as EmbedItem).path, message: failure.error.message });
      }
    }
    namespaces.forEach((ns, v) => options.cache?.putMany(ns, fresh[v] ?? []));
    done += group.reduce((a, g) => a + g.length, 0);
    options.onProgress?.({ done, total: items.length, fromCache });
  }
  if (failures.length > 0 && failures.length === items.length) {
    // Nothing at all could be read: a model of another modality (a text encoder given a folder of
    // photos), not a few bad files, so --skip-bad is no way out.
    throw new ModelhubError(
      'INVALID_DATASET',
      `None of the ${items.length} example(s) could be embedded by ${candidates.modelId}; the first: ${failures[0]?.message ?? ''}`,
      {
        hint: `Check that the examples are what the model takes (hub inspect ${candidates.modelId} shows whether it takes images, texts or clips), or pick another --base.`,
        details: { failures },
      },
    );
  }
  if (failures.length > 0 && options.skipBad !== true) {
    const shown = failures.slice(0, 20).map((f) => `${f.path}: ${f.message}`);
    throw new ModelhubError(
      'INVALID_DATASET',
      `${failures.length} example(s) could not be embedded by ${candidates.modelId}:\n  ${shown.join('\n  ')}`,
      { hint: 'Fix or remove them, or pass --skip-bad to leave them out.', details: { failures } },
    );
  }
  return {
    vectors,
    failures,
    fromCache,
    embedded: items.length - fromCache - failures.length,
    namespaces,
    warnings: [...warnings],
  };
}
