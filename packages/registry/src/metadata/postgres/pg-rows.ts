import type { AccessToken, Account, Alias, Commit, Ref, Repo, TreeFile } from '../../domain/types.ts';
import type { BlobRecord, PendingUpload } from '../metadata-store.ts';

/** A row as node-postgres returns it (bigint columns arrive as decimal strings; num() parses them). */
export type PgRow = Record<string, unknown>;

function str(row: PgRow, key: string): string {
  const value = row[key];
  if (typeof value !== 'string') {
    throw new TypeError(`column ${key} is not text`);
  }
  return value;
}

function strOrNull(row: PgRow, key: string): string | null {
  const value = row[key];
  return typeof value === 'string' ? value : null;
}

function num(row: PgRow, key: string): number {
  const value = row[key];
  if (typeof value === 'number') {
    return value;
  }
  if (typeof value === 'string' && /^-?\d+$/.test(value)) {
    return Number(value);
  }
  throw new TypeError(`column ${key} is not a number`);
}

function bool(row: PgRow, key: string): boolean {
  return row[key] === true;
}

function time(row: PgRow, key: string): string {
  const value = row[key];
  if (value instanceof Date) {
    return value.toISOString();
  }
  return str(row, key);
}

export function toAccount(row: PgRow): Account {
  return {
    id: num(row, 'id'),
    name: str(row, 'name'),
    type: str(row, 'type') === 'org' ? 'org' : 'user',
    isAdmin: bool(row, 'is_admin'),
    createdAt: time(row, 'created_at'),
  };
}

export function toToken(row: PgRow): AccessToken {
  return {
    id: num(row, 'id'),
    account: str(row, 'account'),
    role: str(row, 'role') === 'write' ? 'write' : 'read',
    displayName: str(row, 'display_name'),
    createdAt: time(row, 'created_at'),
    lastUsedAt: row['last_used_at'] == null ? null : time(row, 'last_used_at'),
  };
}

export function toRepo(row: PgRow): Repo {
  const type = str(row, 'type');
  const tags = row['tags'];
  return {
    id: num(row, 'id'),
    type: type === 'dataset' || type === 'space' ? type : 'model',
    namespace: str(row, 'namespace'),
    name: str(row, 'name'),
    private: bool(row, 'private'),
    createdAt: time(row, 'created_at'),
    lastModified: time(row, 'last_modified'),
    downloads: num(row, 'downloads'),
    discovery: {
      libraryName: strOrNull(row, 'library_name'),
      pipelineTag: strOrNull(row, 'pipeline_tag'),
      tags: Array.isArray(tags) ? tags.filter((t): t is string => typeof t === 'string') : [],
    },
  };
}

export function toCommit(row: PgRow): Commit {
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
}

export function toFile(row: PgRow): TreeFile {
  return {
    path: str(row, 'path'),
    size: num(row, 'size'),
    sha256: str(row, 'sha256'),
    gitOid: str(row, 'git_oid'),
    lfs: bool(row, 'lfs'),
    lastCommit: str(row, 'last_commit'),
  };
}

export function toRef(row: PgRow): Ref {
  return {
    kind: str(row, 'kind') === 'tag' ? 'tag' : 'branch',
    name: str(row, 'name'),
    commit: str(row, 'commit_sha'),
  };
}

export function toAlias(row: PgRow): Alias {
  const type = str(row, 'repo_type');
  return {
    name: str(row, 'name'),
    repoType: type === 'dataset' || type === 'space' ? type : 'model',
    repo: str(row, 'repo'),
    revision: strOrNull(row, 'revision'),
  };
}

export function toBlob(row: PgRow): BlobRecord {
  return {
    sha256: str(row, 'sha256'),
    size: num(row, 'size'),
    state: str(row, 'state') === 'deleting' ? 'deleting' : 'verified',
  };
}

export function toUpload(row: PgRow): PendingUpload {
  return {
    id: str(row, 'id'),
    repoId: num(row, 'repo_id'),
    sha256: str(row, 'sha256'),
    size: num(row, 'size'),
    parts: num(row, 'parts'),
    chunkSize: num(row, 'chunk_size'),
    storeUploadId: strOrNull(row, 'store_upload_id'),
    createdAt: time(row, 'created_at'),
    expiresAt: time(row, 'expires_at'),
  };
}
