import { ModelhubError, isModelhubError } from '@modelhub/core';

import { fetchAlias, searchModels, type ModelInfo } from '../api/hub-api.ts';
import type { HubHttp } from '../http/hub-http.ts';
import type { MetadataCache } from '../metadata/metadata-cache.ts';
import { didYouMean } from './suggest.ts';

/** How a short name became a repository. */
export interface ResolvedAlias {
  readonly repo: string;
  readonly revision: string | undefined;
  readonly via: 'alias' | 'search';
}

/** onnx first, then tfjs, then the rest (the formats our adapters run). */
export function libraryRank(model: ModelInfo): number {
  const tags = new Set([...(model.tags ?? []), model.library_name ?? ''].map((t) => t.toLowerCase()));
  if (tags.has('onnx')) {
    return 0;
  }
  if (tags.has('tfjs') || tags.has('tf.js') || tags.has('tensorflowjs')) {
    return 1;
  }
  return 2;
}

/** Search results ordered for alias resolution: onnx, then tfjs; most downloads first. */
export function rankForAlias(models: readonly ModelInfo[]): ModelInfo[] {
  return [...models].sort(
    (a, b) =>
      libraryRank(a) - libraryRank(b) || (b.downloads ?? 0) - (a.downloads ?? 0) || a.id.localeCompare(b.id),
  );
}

/**
 * Resolves a short name: the registry's alias (`GET /api/aliases/{name}`), else a search among
 * models whose name contains it (onnx, then tfjs, most downloads). Answers are cached; offline,
 * the last answer of any age is used.
 */
export async function resolveAlias(
  alias: string,
  endpoint: string,
  http: HubHttp | undefined,
  meta: MetadataCache,
  signal?: AbortSignal,
): Promise<ResolvedAlias> {
  const key = `alias:${endpoint}:${alias}`;
  const cached = await meta.get<ResolvedAlias>(key, http === undefined ? Infinity : meta.ttls.alias);
  if (cached !== undefined) {
    return cached;
  }
  if (http === undefined) {
    throw new ModelhubError(
      'NOT_IN_CACHE',
      `Offline, and the alias "${alias}" was never resolved on ${endpoint}.`,
      {
        hint: 'Use namespace/name@commit, or run once online.',
        details: { alias, endpoint },
      },
    );
  }
  let resolved: ResolvedAlias | undefined;
  const record = await fetchAlias(http, alias, signal);
  if (record !== undefined) {
    resolved = { repo: record.repo, revision: record.revision ?? undefined, via: 'alias' };
  } else {
    const found = await searchModels(http, { search: alias, limit: 100 }, signal);
    const matching = found.filter((m) => m.id.toLowerCase().includes(alias.toLowerCase()));
    const best = rankForAlias(matching)[0];
    if (best !== undefined) {
      resolved = { repo: best.id, revision: undefined, via: 'search' };
    } else {
      const everything = await searchModels(http, { limit: 200 }, signal).catch(() => []);
      const hint = didYouMean(
        alias,
        everything.map((m) => m.id),
      );
      throw new ModelhubError(
        'ALIAS_NOT_FOUND',
        `No model named "${alias}" on ${endpoint} (no alias, no search match).`,
        {
          hint: hint ?? 'Use namespace/name, or hub search QUERY.',
          details: { alias, endpoint },
        },
      );
    }
  }
  await meta.set(key, resolved);
  return resolved;
}

/** Adds a "did you mean" hint to REPO_NOT_FOUND from a search for the name. */
export async function withRepoSuggestion(
  error: unknown,
  repo: string,
  http: HubHttp,
  signal?: AbortSignal,
): Promise<unknown> {
  if (!isModelhubError(error) || error.code !== 'REPO_NOT_FOUND') {
    return error;
  }
  const name = repo.slice(repo.indexOf('/') + 1);
  try {
    const found = await searchModels(http, { search: name.slice(0, 3), limit: 200 }, signal);
    const hint = didYouMean(
      repo,
      found.map((m) => m.id),
    );
    if (hint === undefined) {
      return error;
    }
    return new ModelhubError(error.code, error.message, { hint, details: error.details, cause: error.cause });
  } catch {
    return error;
  }
}
