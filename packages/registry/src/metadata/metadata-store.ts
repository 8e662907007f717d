import type {
  AccessToken,
  Account,
  Alias,
  Commit,
  Ref,
  Repo,
  RepoDiscovery,
  RepoQuery,
  RepoType,
  TreeFile,
} from '../domain/types.ts';

/** What a new commit writes: the commit, its full file list, and the branch it moves. */
export interface CommitWrite {
  readonly commit: Commit;
  readonly files: readonly TreeFile[];
  readonly branch: string;
  /** The head the commit was built on; the write fails with CONFLICT if the branch moved since. */
  readonly expectedHead: string | null;
  /** Discovery fields to store on the repo when `branch` is the default branch. */
  readonly discovery: RepoDiscovery;
}

/**
 * Registry metadata: accounts, tokens, repos, commits, refs, trees, aliases and download counts.
 * Every method is atomic on its own. The SQLite implementation is the embedded default; a
 * PostgreSQL one can be added behind the same contract without touching the routes.
 */
export interface MetadataStore {
  getAccount(name: string): Account | undefined;
  /** Creates the account if it does not exist (an existing one keeps its type). */
  ensureAccount(name: string, type: 'user' | 'org', options?: { admin?: boolean }): Account;
  addOrgMember(org: string, user: string): void;
  orgsOf(user: string): string[];

  insertToken(account: string, role: 'read' | 'write', tokenHash: string, displayName: string): AccessToken;
  findToken(tokenHash: string): { token: AccessToken; account: Account } | undefined;

  getRepo(type: RepoType, namespace: string, name: string): Repo | undefined;
  /** Creates a repo with its first commit on `main`; fails with CONFLICT if it exists. */
  createRepo(
    repo: { type: RepoType; namespace: string; name: string; private: boolean },
    initial: (repoId: number) => { commit: Commit; files: readonly TreeFile[] },
  ): Repo;
  deleteRepo(repoId: number): void;
  setPrivate(repoId: number, isPrivate: boolean): void;
  /** One page of repos matching the query, and whether more follow. */
  listRepos(query: RepoQuery): { repos: Repo[]; more: boolean };
  countDownload(repoId: number): void;

  getRef(repoId: number, kind: Ref['kind'], name: string): Ref | undefined;
  listRefs(repoId: number): Ref[];
  setRef(repoId: number, ref: Ref): void;
  deleteRef(repoId: number, kind: Ref['kind'], name: string): void;
  getCommit(repoId: number, sha: string): Commit | undefined;
  /** Commits whose sha starts with `prefix` (for short revisions). */
  findCommits(repoId: number, prefix: string): Commit[];
  commitFiles(repoId: number, sha: string): TreeFile[];
  /** One file of a commit, by path. */
  commitFile(repoId: number, sha: string, path: string): TreeFile | undefined;
  /** Writes a commit and moves the branch, all or nothing. */
  writeCommit(repoId: number, write: CommitWrite): void;
  /** Records that `repoId` may reference the LFS object `sha256` (it was uploaded there). */
  linkObject(repoId: number, sha256: string): void;
  hasObject(repoId: number, sha256: string): boolean;

  setAlias(alias: Alias): void;
  getAlias(name: string): Alias | undefined;

  /** A per-registry setting (e.g. the URL-signing secret), created by `create` on first use. */
  setting(key: string, create: () => string): string;
  close(): void;
}
