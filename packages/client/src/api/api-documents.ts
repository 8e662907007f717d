import {
  documentSchema,
  nullish,
  optional,
  sha1Hex,
  sha256Hex,
  type DocumentCheck,
  type DocumentPath,
  type DocumentSchema,
} from '@modelhub/core';

/**
 * The registry's JSON answers and their checks, written by hand rather than with zod: every
 * `hub pull` that asks the registry reads a model info and a tree, and loading zod for them cost
 * a fresh process ~35 ms. Fields we do not use are kept as they came (the Hub adds fields freely).
 */

export interface Sibling {
  readonly [key: string]: unknown;
  rfilename: string;
  /** With `?blobs=true`: the file's git blob id, its size and its LFS pointer's hash. */
  blobId?: string | undefined;
  size?: number | undefined;
  lfs?: { readonly [key: string]: unknown; sha256: string; size: number } | null | undefined;
}

/** `GET /api/models/{repo}[/revision/{rev}]`, and each hit of a search. */
export interface ModelInfo {
  readonly [key: string]: unknown;
  id: string;
  sha?: string | undefined;
  lastModified?: string | undefined;
  private?: boolean | undefined;
  gated?: boolean | string | undefined;
  downloads?: number | undefined;
  likes?: number | undefined;
  tags?: string[] | undefined;
  pipeline_tag?: string | null | undefined;
  library_name?: string | null | undefined;
  author?: string | null | undefined;
  siblings?: Sibling[] | undefined;
  cardData?: Readonly<Record<string, unknown>> | null | undefined;
}

function readModelInfo(check: DocumentCheck, value: unknown, path: DocumentPath): ModelInfo {
  const doc = check.object(value, path);
  const at = (key: string): DocumentPath => [...path, key];
  const text = (key: string) => (v: unknown) => check.string(v, at(key));
  return {
    ...doc,
    id: check.string(doc['id'], at('id')),
    sha: optional(doc['sha'], (v) => check.string(v, at('sha'), sha1Hex)),
    lastModified: optional(doc['lastModified'], text('lastModified')),
    private: optional(doc['private'], (v) => check.boolean(v, at('private'))),
    gated: optional(doc['gated'], (v) => (typeof v === 'boolean' ? v : check.string(v, at('gated')))),
    downloads: optional(doc['downloads'], (v) => check.number(v, at('downloads'))),
    likes: optional(doc['likes'], (v) => check.number(v, at('likes'))),
    tags: optional(doc['tags'], (v) => check.items(v, at('tags'), (t, p) => check.string(t, p))),
    pipeline_tag: nullish(doc['pipeline_tag'], text('pipeline_tag')),
    library_name: nullish(doc['library_name'], text('library_name')),
    author: nullish(doc['author'], text('author')),
    siblings: optional(doc['siblings'], (v) =>
      check.items(v, at('siblings'), (s, p) => {
        const sibling = check.object(s, p);
        return {
          ...sibling,
          rfilename: check.string(sibling['rfilename'], [...p, 'rfilename']),
          blobId: optional(sibling['blobId'], (v) => check.string(v, [...p, 'blobId'], sha1Hex)),
          size: optional(sibling['size'], (v) => check.count(v, [...p, 'size'])),
          lfs: nullish(sibling['lfs'], (v) => {
            const lfs = check.object(v, [...p, 'lfs']);
            return {
              ...lfs,
              sha256: check.string(lfs['sha256'], [...p, 'lfs', 'sha256'], sha256Hex),
              size: check.count(lfs['size'], [...p, 'lfs', 'size']),
            };
          }),
        };
      }),
    ),
    cardData: nullish(doc['cardData'], (v) => check.object(v, at('cardData'))),
  };
}

export const modelInfoDocument: DocumentSchema<ModelInfo> = documentSchema((check, value) =>
  readModelInfo(check, value, []),
);
export const modelInfoListDocument: DocumentSchema<ModelInfo[]> = documentSchema((check, value) =>
  check.items(value, [], (item, path) => readModelInfo(check, item, path)),
);

/** One entry of `GET /api/models/{repo}/tree/{commit}` (a file or a folder). */
export interface TreeEntry {
  readonly [key: string]: unknown;
  type: string;
  path: string;
  oid?: string | undefined;
  size?: number | undefined;
  lfs?: { readonly [key: string]: unknown; oid: string; size: number } | null | undefined;
}

/** A page of a tree listing. */
export const treePageDocument: DocumentSchema<TreeEntry[]> = documentSchema((check, value) =>
  check.items(value, [], (item, path) => {
    const doc = check.object(item, path);
    const at = (key: string): DocumentPath => [...path, key];
    return {
      ...doc,
      type: check.string(doc['type'], at('type')),
      path: check.string(doc['path'], at('path')),
      oid: optional(doc['oid'], (v) => check.string(v, at('oid'))),
      size: optional(doc['size'], (v) => check.count(v, at('size'))),
      lfs: nullish(doc['lfs'], (v) => {
        const lfs = check.object(v, at('lfs'));
        return {
          ...lfs,
          oid: check.string(lfs['oid'], [...path, 'lfs', 'oid'], sha256Hex),
          size: check.count(lfs['size'], [...path, 'lfs', 'size']),
        };
      }),
    };
  }),
);

/** `GET /api/aliases/{name}` (a modelhub extension). */
export interface AliasRecord {
  alias: string;
  repo: string;
  revision?: string | null | undefined;
}

export const aliasDocument: DocumentSchema<AliasRecord> = documentSchema((check, value) => {
  const doc = check.object(value, []);
  return {
    alias: check.string(doc['alias'], ['alias']),
    repo: check.string(doc['repo'], ['repo']),
    revision: nullish(doc['revision'], (v) => check.string(v, ['revision'])),
  };
});

/** `GET /api/whoami-v2`. */
export interface WhoamiRecord {
  readonly [key: string]: unknown;
  name: string;
  type?: string | undefined;
  orgs?: { readonly [key: string]: unknown; name: string }[] | undefined;
}

export const whoamiDocument: DocumentSchema<WhoamiRecord> = documentSchema((check, value) => {
  const doc = check.object(value, []);
  return {
    ...doc,
    name: check.string(doc['name'], ['name']),
    type: optional(doc['type'], (v) => check.string(v, ['type'])),
    orgs: optional(doc['orgs'], (v) =>
      check.items(v, ['orgs'], (o, p) => {
        const org = check.object(o, p);
        return { ...org, name: check.string(org['name'], [...p, 'name']) };
      }),
    ),
  };
});
