import type {
  AccessToken,
  Account,
  Alias,
  Commit,
  Ref,
  Repo,
  RepoDiscovery,
  RepoFilter,
  RepoQuery,
  RepoType,
  TreeFile,
  WebSession,
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

/** What a commit built on a branch head writes (see MetadataStore.commitToBranch). */
export interface PreparedCommit {
  readonly commit: Commit;
  /** The commit's full file list. */
  readonly files: readonly TreeFile[];
  /** Discovery fields to store on the repo when the branch is `main`. */
  readonly discovery: RepoDiscovery;
  /**
   * The sha256 of every blob the commit adds or changes: each must be a verified blob, or the
   * commit fails with OBJECT_NOT_VERIFIED (and each is touched, so GC leaves it alone).
   */
  readonly blobs: readonly string[];
}

/** A blob the registry knows: its bytes are in the BlobStore under its sha256. */
export interface BlobRecord {
  readonly sha256: string;
  readonly size: number;
  /** `deleting`: garbage collection claimed it and is removing the bytes; it cannot be used. */
  readonly state: 'verified' | 'deleting';
}

/** An LFS upload handed out by the batch endpoint and not finished yet. */
export interface PendingUpload {
  /** The registry's id, also the staging key of the bytes. */
  readonly id: string;
  readonly repoId: number;
  readonly sha256: string;
  readonly size: number;
  readonly parts: number;
  readonly chunkSize: number;
  /** The storage's own id of a multipart upload (S3 UploadId), if it has one. */
  readonly storeUploadId: string | null;
  readonly createdAt: string;
  /** When its URLs expire; after that plus a margin the sweeper removes what it left. */
  readonly expiresAt: string;
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
  /** The account's tokens, newest first (never the secrets). */
  listTokens(account: string): Promise<AccessToken[]>;
  /** Deletes one of the account's tokens and every web session opened with it; false if none. */
  deleteToken(account: string, tokenId: number): Promise<boolean>;
  /** Records that the token authenticated a request at `at` (ISO time). */
  touchToken(tokenId: number, at: string): Promise<void>;

  /** Stores a web session (and drops expired ones). */
  createWebSession(session: WebSession): Promise<void>;
  /** The token and account behind an unexpired session, by the sha256 of its id. */
  findWebSession(
    idHash: string,
    now: string,
  ): Promise<{ token: AccessToken; account: Account; session: WebSession } | undefined>;
  deleteWebSession(idHash: string): Promise<void>;

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
  /** How many repos match the filter (the same visibility rules as listRepos). */
  countRepos(filter: RepoFilter): Promise<number>;
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

  /**
   * Builds a commit on the current head of `branch` and moves the branch to it, as one atomic
   * step: concurrent commits to the same branch each see the head the previous one left (the
   * branch row is locked while `build` runs), so none is lost. `build` gets the head commit and its
   * files and must not call the store itself (a PostgreSQL store holds a pooled connection for the
   * transaction meanwhile); it may run again when the transaction is retried. Fails with
   * REVISION_NOT_FOUND when the branch does not exist, with whatever `build` throws (e.g. a stale
   * parentCommit), and with OBJECT_NOT_VERIFIED when a blob of `PreparedCommit.blobs` is not verified.
   */
  commitToBranch(
    repoId: number,
    branch: string,
    build: (head: Commit, files: readonly TreeFile[]) => Promise<PreparedCommit>,
  ): Promise<Commit>;

  // ---- blob lifecycle (garbage collection with a grace window; the blob row is the arbiter) ----

  /** A known blob, touched (its grace window starts again) when it is verified. */
  touchBlob(sha256: string): Promise<BlobRecord | undefined>;
  /**
   * Records that the BlobStore now holds verified bytes for `sha256` (touching the row). False
   * when garbage collection is deleting that blob right now: write the bytes again once it is done.
   */
  recordBlob(sha256: string, size: number): Promise<boolean>;
  /**
   * Claims for deletion (state `deleting`) up to `limit` verified blobs that no commit references
   * and that nobody touched since `cutoff`; returns them. The claim is a conditional update of
   * each blob row, so a concurrent touch or commit wins over it.
   */
  claimGarbage(cutoff: Date, limit: number): Promise<BlobRecord[]>;
  /** Forgets a blob whose bytes garbage collection removed (only while it is `deleting`). */
  forgetBlob(sha256: string): Promise<void>;

  // ---- pending LFS uploads (for lazy verification and the abandoned-upload sweeper) -----------

  recordUpload(upload: PendingUpload): Promise<void>;
  getUpload(id: string): Promise<PendingUpload | undefined>;
  /** The unfinished uploads of one object to one repo, newest first. */
  pendingUploads(repoId: number, sha256: string): Promise<PendingUpload[]>;
  deleteUpload(id: string): Promise<void>;
  /** Uploads whose URLs expired before `before`, oldest first. */
  expiredUploads(before: Date, limit: number): Promise<PendingUpload[]>;

  /**
   * Runs `work` while holding the named leadership (one holder across every process sharing the
   * store: a PostgreSQL advisory lock, a lease row in SQLite); undefined when another holds it.
   */
  withLeadership<T>(name: string, work: () => Promise<T>): Promise<T | undefined>;

  /** Resolves when the store answers (for /healthz); rejects with UNAVAILABLE otherwise. */
  ping(): Promise<void>;

  /** A per-registry setting (e.g. the URL-signing secret), created by `create` on first use. */
  setting(key: string, create: () => string): Promise<string>;
  close(): Promise<void>;
}
