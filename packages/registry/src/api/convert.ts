import { lfsPointer } from '@modelhub/core';

import type { AccessToken, Account, Alias, Commit, Ref, Repo, TreeFile } from '../domain/types.ts';
import type { LfsObjectPlan } from '../service/upload-service.ts';
import { gitTreeShas } from '../repo/git-objects.ts';
import type {
  ApiAlias,
  ApiCommitEntry,
  ApiCommitResponse,
  ApiLfsBatchObject,
  ApiRef,
  ApiRefs,
  ApiLastCommit,
  ApiModelInfo,
  ApiSibling,
  ApiTreeEntry,
  ApiWhoAmI,
} from './api-types.ts';

/** The one place where domain records become wire shapes. */

function pointerSize(file: TreeFile): number {
  return Buffer.byteLength(lfsPointer(file.sha256, file.size));
}

/** A stable 24-hex opaque id, like the Hub's object ids. */
function opaqueId(kind: string, id: number): string {
  return `${kind === 'user' ? 'a' : kind === 'org' ? 'b' : 'c'}${id.toString(16).padStart(23, '0')}`;
}

export function toApiLastCommit(commit: Commit): ApiLastCommit {
  return { id: commit.sha, title: commit.title, date: commit.createdAt };
}

/** A tree / paths-info entry for a file. */
export function toApiFileEntry(file: TreeFile, lastCommit?: Commit): ApiTreeEntry {
  return {
    type: 'file',
    path: file.path,
    oid: file.gitOid,
    size: file.size,
    ...(file.lfs ? { lfs: { oid: file.sha256, size: file.size, pointerSize: pointerSize(file) } } : {}),
    ...(lastCommit === undefined ? {} : { lastCommit: toApiLastCommit(lastCommit) }),
  };
}

/**
 * The tree listing under `dir` ('' = root): direct children, or everything below when recursive.
 * Directories carry their git tree sha. Returns undefined when `dir` is not a directory.
 */
export function toApiTree(
  files: readonly TreeFile[],
  dir: string,
  recursive: boolean,
  lastCommitOf: ((sha: string) => Commit | undefined) | undefined,
): ApiTreeEntry[] | undefined {
  const prefix = dir === '' ? '' : `${dir}/`;
  const below = files.filter((f) => f.path.startsWith(prefix));
  if (dir !== '' && below.length === 0) {
    return undefined;
  }
  const trees = gitTreeShas(files.map((f) => ({ path: f.path, oid: f.gitOid })));
  const dirs = new Set<string>();
  const entries: ApiTreeEntry[] = [];
  for (const file of below) {
    const rest = file.path.slice(prefix.length);
    const parts = rest.split('/');
    for (let i = 1; i < parts.length; i++) {
      if (!recursive && i > 1) {
        break;
      }
      dirs.add(prefix + parts.slice(0, i).join('/'));
    }
    if (recursive || parts.length === 1) {
      entries.push(toApiFileEntry(file, lastCommitOf?.(file.lastCommit)));
    }
  }
  for (const path of dirs) {
    entries.push({ type: 'directory', path, oid: trees.get(path) ?? '', size: 0 });
  }
  return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

function toApiSibling(file: TreeFile, blobs: boolean): ApiSibling {
  if (!blobs) {
    return { rfilename: file.path };
  }
  return {
    rfilename: file.path,
    size: file.size,
    blobId: file.gitOid,
    ...(file.lfs ? { lfs: { sha256: file.sha256, size: file.size, pointerSize: pointerSize(file) } } : {}),
  };
}

/**
 * Model info (§4). With `expand`, only the named fields plus `_id` and `id` are returned.
 * Discovery fields come from the card at `commit` (the revision asked for).
 */
export function toApiModelInfo(
  repo: Repo,
  commit: Commit,
  files: readonly TreeFile[] | undefined,
  options: { expand?: readonly string[]; blobs?: boolean; discovery: Repo['discovery'] },
): ApiModelInfo {
  const id = `${repo.namespace}/${repo.name}`;
  const full: Omit<ApiModelInfo, '_id' | 'id'> = {
    modelId: id,
    author: repo.namespace,
    sha: commit.sha,
    lastModified: repo.lastModified,
    createdAt: repo.createdAt,
    private: repo.private,
    gated: false,
    disabled: false,
    downloads: repo.downloads,
    downloadsAllTime: repo.downloads,
    likes: 0,
    tags: [...options.discovery.tags],
    pipeline_tag: options.discovery.pipelineTag,
    library_name: options.discovery.libraryName,
    cardData: commit.cardData === null ? null : { ...commit.cardData },
    ...(files === undefined ? {} : { siblings: files.map((f) => toApiSibling(f, options.blobs === true)) }),
  };
  const base = { _id: opaqueId('repo', repo.id), id };
  if (options.expand === undefined || options.expand.length === 0) {
    return { ...base, ...full };
  }
  const picked: Record<string, unknown> = { ...base };
  for (const key of options.expand) {
    if (key in full) {
      picked[key] = (full as Record<string, unknown>)[key];
    }
  }
  return picked as unknown as ApiModelInfo;
}

/** whoami-v2 (§7); JS needs `auth`, Python needs `name`. */
export function toApiWhoAmI(account: Account, orgs: readonly Account[], token: AccessToken): ApiWhoAmI {
  return {
    type: account.type,
    id: opaqueId(account.type, account.id),
    name: account.name,
    fullname: account.name,
    email: null,
    emailVerified: false,
    isPro: false,
    canPay: false,
    avatarUrl: '',
    orgs: orgs.map((org) => ({
      type: 'org',
      id: opaqueId('org', org.id),
      name: org.name,
      fullname: org.name,
      avatarUrl: '',
      roleInOrg: 'write',
    })),
    auth: {
      type: 'access_token',
      accessToken: { displayName: token.displayName, role: token.role, createdAt: token.createdAt },
    },
  };
}

/** An LFS batch object: present (no actions), refused, or with signed upload hrefs (§9.2). */
export function toApiLfsObject(plan: LfsObjectPlan, base: string, ttl: number): ApiLfsBatchObject {
  switch (plan.state) {
    case 'present':
      return { oid: plan.oid, size: plan.size };
    case 'error':
      return { oid: plan.oid, size: plan.size, error: { code: plan.code, message: plan.message } };
    case 'upload':
      return {
        oid: plan.oid,
        size: plan.size,
        authenticated: true,
        actions: {
          upload: { href: plan.url ?? `${base}/api/lfs/upload/${plan.token}`, expires_in: ttl },
          verify: { href: `${base}/api/lfs/verify/${plan.token}` },
        },
      };
    case 'multipart': {
      const header: Record<string, string> = { chunk_size: String(plan.chunkSize) };
      for (let part = 1; part <= plan.parts; part++) {
        header[String(part).padStart(5, '0')] =
          plan.partUrls?.[part - 1] ?? `${base}/api/lfs/upload/${plan.token}/${part}`;
      }
      return {
        oid: plan.oid,
        size: plan.size,
        authenticated: true,
        actions: {
          upload: { href: `${base}/api/lfs/upload/${plan.token}`, header, expires_in: ttl },
          verify: { href: `${base}/api/lfs/verify/${plan.token}` },
        },
      };
    }
  }
}

/** The commit answer; Python splits `commitUrl` on `/commit/` and parses the repo URL (§9.3). */
export function toApiCommitResponse(commit: Commit, repoUrl: string): ApiCommitResponse {
  return {
    commitOid: commit.sha,
    commitUrl: `${repoUrl}/commit/${commit.sha}`,
    hookOutput: '',
    success: true,
  };
}

/** `GET …/refs`: branches and tags with their target commits. */
export function toApiRefs(refs: readonly Ref[]): ApiRefs {
  const shape = (kind: Ref['kind'], prefix: string): ApiRef[] =>
    refs
      .filter((r) => r.kind === kind)
      .map((r) => ({ name: r.name, ref: `${prefix}${r.name}`, targetCommit: r.commit }));
  return { branches: shape('branch', 'refs/heads/'), tags: shape('tag', 'refs/tags/'), converts: [] };
}

/** One entry of the commit history (`GET …/commits/{rev}`). */
export function toApiCommitEntry(commit: Commit): ApiCommitEntry {
  const message = commit.description === '' ? commit.title : `${commit.title}\n\n${commit.description}`;
  return {
    id: commit.sha,
    title: commit.title,
    message,
    authors: [{ user: commit.author }],
    date: commit.createdAt,
  };
}

export function toApiAlias(alias: Alias): ApiAlias {
  return { alias: alias.name, repo: alias.repo, revision: alias.revision };
}
