import type { AccessToken, Account, Alias, Commit, Ref, Repo, RepoSort, TreeFile } from '../domain/types.ts';
import type { BlobRecord, PendingUpload } from './metadata-store.ts';

/** A row as a SQL driver returns it: column name → value. */
export type Row = Record<string, unknown>;

/**
 * How one engine's driver hands over the columns whose types differ between engines; everything
 * else about a row (names, text columns, the shape of the domain objects) is the same in both.
 */
export interface ColumnTypes {
  /** An integer column (SQLite: a number or bigint; PostgreSQL bigint: a decimal string). */
  readonly num: (row: Row, key: string) => number;
  /** A boolean column (SQLite: 0 or 1; PostgreSQL: a boolean). */
  readonly bool: (row: Row, key: string) => boolean;
  /** A timestamp column as ISO text (PostgreSQL's timestamptz arrives as a Date). */
  readonly time: (row: Row, key: string) => string;
  /** The tags column (SQLite: JSON text; PostgreSQL: text[]). */
  readonly tags: (row: Row, key: string) => string[];
}

/**
 * The repos column each sort key of a RepoQuery orders by: both schemas name their columns
 * alike, so the SQLite and PostgreSQL stores share the map (and cannot drift apart).
 */
export const repoSortColumns: Readonly<Record<RepoSort, string>> = {
  id: 'full_id',
  createdAt: 'created_at',
  lastModified: 'last_modified',
  downloads: 'downloads',
  likes: 'likes',
};

export function str(row: Row, key: string): string {
  const value = row[key];
  if (typeof value !== 'string') {
    throw new TypeError(`column ${key} is not text`);
  }
  return value;
}

export function strOrNull(row: Row, key: string): string | null {
  const value = row[key];
  return typeof value === 'string' ? value : null;
}

/** The row → domain object conversions of a metadata store, for one engine's column types. */
export interface RowMapper {
  readonly toAccount: (row: Row) => Account;
  readonly toToken: (row: Row) => AccessToken;
  readonly toRepo: (row: Row) => Repo;
  readonly toCommit: (row: Row) => Commit;
  readonly toFile: (row: Row) => TreeFile;
  readonly toRef: (row: Row) => Ref;
  readonly toAlias: (row: Row) => Alias;
  readonly toBlob: (row: Row) => BlobRecord;
  readonly toUpload: (row: Row) => PendingUpload;
}

const repoType = (type: string): Repo['type'] => (type === 'dataset' || type === 'space' ? type : 'model');

export function rowMapper({ num, bool, time, tags }: ColumnTypes): RowMapper {
  return {
    toAccount: (row) => ({
      id: num(row, 'id'),
      name: str(row, 'name'),
      type: str(row, 'type') === 'org' ? 'org' : 'user',
      isAdmin: bool(row, 'is_admin'),
      createdAt: time(row, 'created_at'),
    }),
    toToken: (row) => ({
      id: num(row, 'id'),
      account: str(row, 'account'),
      role: str(row, 'role') === 'write' ? 'write' : 'read',
      displayName: str(row, 'display_name'),
      createdAt: time(row, 'created_at'),
      lastUsedAt: row['last_used_at'] == null ? null : time(row, 'last_used_at'),
    }),
    toRepo: (row) => ({
      id: num(row, 'id'),
      type: repoType(str(row, 'type')),
      namespace: str(row, 'namespace'),
      name: str(row, 'name'),
      private: bool(row, 'private'),
      createdAt: time(row, 'created_at'),
      lastModified: time(row, 'last_modified'),
      downloads: num(row, 'downloads'),
      discovery: {
        libraryName: strOrNull(row, 'library_name'),
        pipelineTag: strOrNull(row, 'pipeline_tag'),
        tags: tags(row, 'tags'),
      },
    }),
    toCommit: (row) => {
      const card = strOrNull(row, 'card_data');
      const parsed: unknown = card === null ? null : JSON.parse(card);
      return {
        sha: str(row, 'sha'),
        repoId: num(row, 'repo_id'),
        parent: strOrNull(row, 'parent'),
        title: str(row, 'title'),
        description: str(row, 'description'),
        author: str(row, 'author'),
        createdAt: str(row, 'created_at'),
        treeSha: str(row, 'tree_sha'),
        cardData:
          typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
            ? (parsed as Record<string, unknown>)
            : null,
      };
    },
    toFile: (row) => ({
      path: str(row, 'path'),
      size: num(row, 'size'),
      sha256: str(row, 'sha256'),
      gitOid: str(row, 'git_oid'),
      lfs: bool(row, 'lfs'),
      lastCommit: str(row, 'last_commit'),
    }),
    toRef: (row) => ({
      kind: str(row, 'kind') === 'tag' ? 'tag' : 'branch',
      name: str(row, 'name'),
      commit: str(row, 'commit_sha'),
    }),
    toAlias: (row) => ({
      name: str(row, 'name'),
      repoType: repoType(str(row, 'repo_type')),
      repo: str(row, 'repo'),
      revision: strOrNull(row, 'revision'),
    }),
    toBlob: (row) => ({
      sha256: str(row, 'sha256'),
      size: num(row, 'size'),
      state: str(row, 'state') === 'deleting' ? 'deleting' : 'verified',
    }),
    toUpload: (row) => ({
      id: str(row, 'id'),
      repoId: num(row, 'repo_id'),
      sha256: str(row, 'sha256'),
      size: num(row, 'size'),
      parts: num(row, 'parts'),
      chunkSize: num(row, 'chunk_size'),
      storeUploadId: strOrNull(row, 'store_upload_id'),
      createdAt: time(row, 'created_at'),
      expiresAt: time(row, 'expires_at'),
    }),
  };
}
