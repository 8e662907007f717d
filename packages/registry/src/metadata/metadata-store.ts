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
 * Every method is atomic on its own and asynchronous, so a networked database (PostgreSQL) can
 * implement the same contract; the SQLite implementation is the embedded default.
 */
export interface MetadataStore {
  getAccount(name: string): Promise<Account | undefined>;
  /** Creates the account if it does not exist (an existing one keeps its type). */
  ensureAccount(name: string, type: 'user' | 'org', options?: { admin?: boolean }): Promise<Account>;
  addOrgMember(org: string, user: string): Promise<void>;
  orgsOf(user: string): Promise<string[]>;

  insertToken(
    account: string,
    role: 'read' | 'write',
    tokenHash: string,
    displayName: string,
  ): Promise<AccessToken>;
  findToken(tokenHash: string): Promise<{ token: AccessToken; account: Account } | undefined>;

  getRepo(type: RepoType, namespace: string, name: string): Promise<Repo | undefined>;
  /** Creates a repo with its first commit on `main`; fails with CONFLICT if one of that type has the name. */
  createRepo(
    repo: { type: RepoType; namespace: string; name: string; private: boolean },
    initial: (repoId: number) => { commit: Commit; files: readonly TreeFile[] },
  ): Promise<Repo>;
  deleteRepo(repoId: number): Promise<void>;
  /**
   * Renames a repo or moves it to another namespace (same type), keeping its id, history, refs and
   * objects; aliases naming the old id follow it. Fails with CONFLICT if the target name is taken,
   * with REPO_NOT_FOUND if the repo is gone. The old name is free afterwards.
   */
  moveRepo(repoId: number, to: { namespace: string; name: string }): Promise<Repo>;
  setPrivate(repoId: number, isPrivate: boolean): Promise<void>;
  /** One page of repos matching the query, and whether more follow. */
  listRepos(query: RepoQuery): Promise<{ repos: Repo[]; more: boolean }>;
  /** Adds `count` (default 1) to the repo's download counter. */
  countDownload(repoId: number, count?: number): Promise<void>;

  getRef(repoId: number, kind: Ref['kind'], name: string): Promise<Ref | undefined>;
  listRefs(repoId: number): Promise<Ref[]>;
  setRef(repoId: number, ref: Ref): Promise<void>;
  /** Deletes a branch or tag; false if it did not exist. */
  deleteRef(repoId: number, kind: Ref['kind'], name: string): Promise<boolean>;
  getCommit(repoId: number, sha: string): Promise<Commit | undefined>;
  /** Commits whose sha starts with `prefix` (for short revisions); at most two. */
  findCommits(repoId: number, prefix: string): Promise<Commit[]>;
  commitFiles(repoId: number, sha: string): Promise<TreeFile[]>;
  /** One file of a commit, by path. */
  commitFile(repoId: number, sha: string, path: string): Promise<TreeFile | undefined>;
  /** Writes a commit and moves the branch, all or nothing. */
  writeCommit(repoId: number, write: CommitWrite): Promise<void>;
  /** Records that `repoId` may reference the LFS object `sha256` (it was uploaded there). */
  linkObject(repoId: number, sha256: string): Promise<void>;
  hasObject(repoId: number, sha256: string): Promise<boolean>;

  setAlias(alias: Alias): Promise<void>;
  getAlias(name: string): Promise<Alias | undefined>;

  /** A per-registry setting (e.g. the URL-signing secret), created by `create` on first use. */
  setting(key: string, create: () => string): Promise<string>;
  close(): Promise<void>;
}
