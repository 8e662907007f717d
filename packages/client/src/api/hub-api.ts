import type { HubHttp } from '../http/hub-http.ts';
import {
  aliasDocument,
  modelInfoDocument,
  modelInfoListDocument,
  treePageDocument,
  whoamiDocument,
  type AliasRecord,
  type ModelInfo,
  type TreeEntry,
  type WhoamiRecord,
} from './api-documents.ts';

export type { AliasRecord, ModelInfo, TreeEntry, WhoamiRecord } from './api-documents.ts';

/** Encodes a revision for a URL path segment (`refs/pr/1` → `refs%2Fpr%2F1`). */
export function encodeRevision(revision: string): string {
  return encodeURIComponent(revision);
}

/** Encodes a repository file path, keeping `/`. */
export function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

/**
 * `GET /api/models/{repo}/revision/{rev}`: resolves a revision to its commit. With `blobs`, each
 * sibling also carries its blob id, size and LFS hash (what huggingface_hub's
 * `files_metadata=True` asks for): the commit and its file list in one answer.
 */
export async function fetchModelInfo(
  http: HubHttp,
  repo: string,
  revision: string | undefined,
  signal?: AbortSignal,
  options: { readonly blobs?: boolean } = {},
): Promise<ModelInfo> {
  const path =
    (revision === undefined
      ? `/api/models/${repo}`
      : `/api/models/${repo}/revision/${encodeRevision(revision)}`) +
    (options.blobs === true ? '?blobs=true' : '');
  const { data } = await http.getJson(
    path,
    modelInfoDocument,
    { repo, revision, endpoint: http.endpoint },
    signal,
  );
  return data;
}

/** `GET /api/models/{repo}/tree/{commit}?recursive=true`, all pages, files only. */
export async function fetchTree(
  http: HubHttp,
  repo: string,
  commit: string,
  signal?: AbortSignal,
): Promise<TreeEntry[]> {
  const entries: TreeEntry[] = [];
  for await (const page of http.paginate(
    `/api/models/${repo}/tree/${encodeRevision(commit)}?recursive=true&expand=false`,
    treePageDocument,
    { repo, revision: commit, endpoint: http.endpoint },
    signal,
  )) {
    entries.push(...page.filter((e) => e.type === 'file'));
  }
  return entries;
}

/** `GET /api/aliases/{name}` (a modelhub extension); undefined when the registry has no such alias. */
export async function fetchAlias(
  http: HubHttp,
  alias: string,
  signal?: AbortSignal,
): Promise<AliasRecord | undefined> {
  const res = await http.sendWithRetry(
    {
      method: 'GET',
      url: http.url(`/api/aliases/${encodeURIComponent(alias)}`),
      headers: { accept: 'application/json' },
      signal,
    },
    { alias, endpoint: http.endpoint },
    [404],
  );
  if (res.status === 404) {
    // Registries without the extension answer a plain 404 too: both mean "no alias here".
    await res.body.dump();
    return undefined;
  }
  const parsed = aliasDocument.safeParse(await res.body.json());
  return parsed.success ? parsed.data : undefined;
}

export interface SearchQuery {
  readonly search?: string | undefined;
  readonly library?: string | undefined;
  /** Extra tag filters (all must match), e.g. `base_model:ns/name`. */
  readonly filters?: readonly string[] | undefined;
  readonly limit?: number | undefined;
}

/** `GET /api/models?search=…` sorted by downloads (one page). */
export async function searchModels(
  http: HubHttp,
  query: SearchQuery,
  signal?: AbortSignal,
): Promise<ModelInfo[]> {
  const params = new URLSearchParams();
  if (query.search !== undefined) {
    params.set('search', query.search);
  }
  if (query.library !== undefined) {
    params.append('filter', query.library);
  }
  for (const filter of query.filters ?? []) {
    params.append('filter', filter);
  }
  params.set('sort', 'downloads');
  params.set('direction', '-1');
  params.set('limit', String(query.limit ?? 20));
  params.set('full', 'true');
  const { data } = await http.getJson(
    `/api/models?${params.toString()}`,
    modelInfoListDocument,
    { endpoint: http.endpoint },
    signal,
  );
  return data;
}

/** `GET /api/whoami-v2`: who the token belongs to. */
export async function fetchWhoami(http: HubHttp, signal?: AbortSignal): Promise<WhoamiRecord> {
  const { data } = await http.getJson('/api/whoami-v2', whoamiDocument, { endpoint: http.endpoint }, signal);
  return data;
}
