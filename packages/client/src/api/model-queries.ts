import { ModelhubError, parseModelRef, repoId } from '@modelhub/core';

import { missingTokenHint, type TokenSource } from '../auth/token-scope.ts';
import { resolveClientConfig, type ClientOptions } from '../config/client-config.ts';
import { HubHttp, type RequestObserver } from '../http/hub-http.ts';
import { MetadataCache } from '../metadata/metadata-cache.ts';
import { resolveAlias, withRepoSuggestion, libraryRank } from '../resolve/resolve-model.ts';
import { fetchModelInfo, fetchTree, fetchWhoami, searchModels } from './hub-api.ts';
import { treeToFiles } from '../pull/pull.ts';
import type { FileEntry } from '@modelhub/core';

export interface SearchOptions extends ClientOptions {
  /** Keep only models of this library (onnx, tfjs, …). */
  readonly library?: string | undefined;
  /** Only heads fine-tuned from this base repository (`ns/name`): the `base_model:ns/name` filter. */
  readonly headsOf?: string | undefined;
  readonly limit?: number | undefined;
  readonly onRequest?: RequestObserver | undefined;
}

/** One search hit, as `hub search` shows it. */
export interface SearchHit {
  readonly id: string;
  readonly library: string | undefined;
  readonly pipelineTag: string | undefined;
  readonly downloads: number;
  readonly likes: number;
  readonly lastModified: string | undefined;
}

function makeHttp(options: ClientOptions & { onRequest?: RequestObserver | undefined }): {
  http: HubHttp;
  endpoint: string;
  cacheRoot: string;
} {
  const config = resolveClientConfig(options);
  if (config.offline) {
    throw new ModelhubError('OFFLINE', 'This command needs the registry, and offline mode is on.', {
      hint: 'Unset HUB_OFFLINE / HF_HUB_OFFLINE or drop --offline.',
    });
  }
  return {
    http: HubHttp.forConfig(config, { onRequest: options.onRequest }),
    endpoint: config.endpoint,
    cacheRoot: config.cacheRoot,
  };
}

function libraryOf(
  tags: readonly string[] | undefined,
  library: string | null | undefined,
): string | undefined {
  if (typeof library === 'string' && library !== '') {
    return library;
  }
  return (tags ?? []).find((t) =>
    ['onnx', 'tfjs', 'transformers.js', 'transformers', 'pytorch', 'tf'].includes(t),
  );
}

/** Searches the registry (cached for a few minutes); onnx and tfjs models are listed first on ties. */
export async function search(query: string, options: SearchOptions = {}): Promise<SearchHit[]> {
  const { http, endpoint, cacheRoot } = makeHttp(options);
  const meta = new MetadataCache(cacheRoot);
  try {
    const key = `search:${endpoint}:${query}:${options.library ?? ''}:${options.headsOf ?? ''}:${options.limit ?? 20}`;
    const cached = await meta.get<SearchHit[]>(key, meta.ttls.search);
    if (cached !== undefined) {
      return cached;
    }
    const found = await searchModels(http, {
      search: query === '' ? undefined : query,
      library: options.library,
      filters: options.headsOf === undefined ? undefined : [`base_model:${options.headsOf}`],
      limit: options.limit ?? 20,
    });
    const wanted = options.library?.toLowerCase();
    const hits = found
      .filter((m) => {
        if (wanted === undefined) {
          return true;
        }
        const tags = [...(m.tags ?? []), m.library_name ?? ''].map((t) => t.toLowerCase());
        return tags.includes(wanted);
      })
      .sort((a, b) => (b.downloads ?? 0) - (a.downloads ?? 0) || libraryRank(a) - libraryRank(b))
      .map((m): SearchHit => ({
        id: m.id,
        library: libraryOf(m.tags, m.library_name),
        pipelineTag: m.pipeline_tag ?? undefined,
        downloads: m.downloads ?? 0,
        likes: m.likes ?? 0,
        lastModified: m.lastModified,
      }));
    await meta.set(key, hits, meta.ttls.search);
    return hits;
  } finally {
    await meta.close();
    await http.close();
  }
}

export interface ModelDetails {
  readonly endpoint: string;
  readonly repo: string;
  readonly commit: string;
  readonly revision: string;
  readonly library: string | undefined;
  readonly pipelineTag: string | undefined;
  readonly tags: readonly string[];
  readonly downloads: number;
  readonly lastModified: string | undefined;
  readonly cardData: Readonly<Record<string, unknown>> | undefined;
  readonly files: readonly FileEntry[];
  readonly totalBytes: number;
}

/** Model info plus its file list at the resolved commit. */
export async function info(
  model: string,
  options: ClientOptions & { revision?: string | undefined; onRequest?: RequestObserver | undefined } = {},
): Promise<ModelDetails> {
  const ref = parseModelRef(model);
  const { http, endpoint, cacheRoot } = makeHttp({
    ...options,
    endpoint: (ref.kind === 'repo' ? ref.endpoint : undefined) ?? options.endpoint,
  });
  const meta = new MetadataCache(cacheRoot);
  try {
    let repo: string;
    let revision = ref.revision ?? options.revision;
    if (ref.kind === 'alias') {
      const resolved = await resolveAlias(ref.alias, endpoint, http, meta);
      repo = resolved.repo;
      revision ??= resolved.revision;
    } else {
      repo = repoId(ref);
    }
    revision ??= 'main';
    let modelInfo;
    try {
      modelInfo = await fetchModelInfo(http, repo, revision);
    } catch (error) {
      throw await withRepoSuggestion(error, repo, http);
    }
    const commit = modelInfo.sha;
    if (commit === undefined) {
      throw new ModelhubError('HTTP_ERROR', `The registry did not say which commit ${repo}@${revision} is.`);
    }
    const files = treeToFiles(await fetchTree(http, repo, commit));
    return {
      endpoint,
      repo,
      commit,
      revision,
      library: libraryOf(modelInfo.tags, modelInfo.library_name),
      pipelineTag: modelInfo.pipeline_tag ?? undefined,
      tags: modelInfo.tags ?? [],
      downloads: modelInfo.downloads ?? 0,
      lastModified: modelInfo.lastModified,
      cardData: modelInfo.cardData ?? undefined,
      files,
      totalBytes: files.reduce((n, f) => n + f.size, 0),
    };
  } finally {
    await meta.close();
    await http.close();
  }
}

/** Who a registry says the token belongs to, and where that token came from (never the token). */
export interface WhoamiResult {
  readonly endpoint: string;
  readonly name: string;
  readonly tokenSource: TokenSource;
}

/**
 * Checks the token scoped to the endpoint (`/api/whoami-v2`). Without one it throws AUTH_REQUIRED
 * naming the tokens that are set but belong to other registries.
 */
export async function whoami(options: ClientOptions = {}): Promise<WhoamiResult> {
  const config = resolveClientConfig(options);
  if (config.token === undefined || config.tokenSource === undefined) {
    throw new ModelhubError('AUTH_REQUIRED', `No token is set for ${config.endpoint}.`, {
      hint: missingTokenHint(config.endpoint, config.skippedTokens),
      details: { endpoint: config.endpoint, skipped: config.skippedTokens },
    });
  }
  const { http, endpoint } = makeHttp(options);
  try {
    const me = await fetchWhoami(http);
    return { endpoint, name: me.name, tokenSource: config.tokenSource };
  } finally {
    await http.close();
  }
}
