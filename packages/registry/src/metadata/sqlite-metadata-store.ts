import type {
  AccessToken,
  Account,
  Alias,
  Commit,
  Ref,
  Repo,
  RepoFilter,
  RepoQuery,
  RepoType,
  TreeFile,
  WebSession,
} from '../domain/types.ts';
import { randomUUID } from 'node:crypto';

import { isModelhubError } from '@modelhub/core';

import type {
  BlobRecord,
  PreparedCommit,
  CommitWrite,
  MetadataStore,
  PendingUpload,
} from './metadata-store.ts';
import { SqliteEngine } from './sqlite-engine.ts';

/** Runs a synchronous call and hands back its result or error as a promise. */
function later<T>(work: () => T): Promise<T> {
  return new Promise<T>((resolve) => {
    resolve(work());
  });
}

/**
 * The embedded metadata store: one SQLite file (node:sqlite, WAL), migrated on open. It adapts
 * the synchronous engine to the asynchronous MetadataStore contract.
 */
export class SqliteMetadataStore implements MetadataStore {
  readonly #db: SqliteEngine;
  // Commits to one repo are built one at a time in this process (SQLite has one writer, and a
  // transaction cannot stay open across the awaits of `build`); the head check inside the write
  // transaction covers another process, and the commit is then built again on the new head.
  readonly #repoQueues = new Map<number, Promise<unknown>>();

  constructor(file: string) {
    this.#db = new SqliteEngine(file);
  }

  getAccount(name: string): Promise<Account | undefined> {
    return later(() => this.#db.getAccount(name));
  }
  ensureAccount(name: string, type: 'user' | 'org', options?: { admin?: boolean }): Promise<Account> {
    return later(() => this.#db.ensureAccount(name, type, options));
  }
  addOrgMember(org: string, user: string): Promise<void> {
    return later(() => this.#db.addOrgMember(org, user));
  }
  orgsOf(user: string): Promise<string[]> {
    return later(() => this.#db.orgsOf(user));
  }
  insertToken(
    account: string,
    role: 'read' | 'write',
    tokenHash: string,
    displayName: string,
  ): Promise<AccessToken> {
    return later(() => this.#db.insertToken(account, role, tokenHash, displayName));
  }
  findToken(tokenHash: string): Promise<{ token: AccessToken; account: Account } | undefined> {
    return later(() => this.#db.findToken(tokenHash));
  }
  listTokens(account: string): Promise<AccessToken[]> {
    return later(() => this.#db.listTokens(account));
  }
  deleteToken(account: string, tokenId: number): Promise<boolean> {
    return later(() => this.#db.deleteToken(account, tokenId));
  }
  touchToken(tokenId: number, at: string): Promise<void> {
    return later(() => this.#db.touchToken(tokenId, at));
  }
  createWebSession(session: WebSession): Promise<void> {
    return later(() => this.#db.createWebSession(session));
  }
  findWebSession(
    idHash: string,
    now: string,
  ): Promise<{ token: AccessToken; account: Account; session: WebSession } | undefined> {
    return later(() => this.#db.findWebSession(idHash, now));
  }
  deleteWebSession(idHash: string): Promise<void> {
    return later(() => this.#db.deleteWebSession(idHash));
  }
  getRepo(type: RepoType, namespace: string, name: string): Promise<Repo | undefined> {
    return later(() => this.#db.getRepo(type, namespace, name));
  }
  createRepo(
    repo: { type: RepoType; namespace: string; name: string; private: boolean },
    initial: (repoId: number) => { commit: Commit; files: readonly TreeFile[] },
  ): Promise<Repo> {
    return later(() => this.#db.createRepo(repo, initial));
  }
  deleteRepo(repoId: number): Promise<void> {
    return later(() => this.#db.deleteRepo(repoId));
  }
  moveRepo(repoId: number, to: { namespace: string; name: string }): Promise<Repo> {
    return later(() => this.#db.moveRepo(repoId, to));
  }
  setPrivate(repoId: number, isPrivate: boolean): Promise<void> {
    return later(() => this.#db.setPrivate(repoId, isPrivate));
  }
  listRepos(query: RepoQuery): Promise<{ repos: Repo[]; more: boolean }> {
    return later(() => this.#db.listRepos(query));
  }
  countRepos(filter: RepoFilter): Promise<number> {
    return later(() => this.#db.countRepos(filter));
  }
  countDownload(repoId: number, count?: number): Promise<void> {
    return later(() => this.#db.countDownload(repoId, count));
  }
  getRef(repoId: number, kind: Ref['kind'], name: string): Promise<Ref | undefined> {
    return later(() => this.#db.getRef(repoId, kind, name));
  }
  listRefs(repoId: number): Promise<Ref[]> {
    return later(() => this.#db.listRefs(repoId));
  }
  setRef(repoId: number, ref: Ref): Promise<void> {
    return later(() => this.#db.setRef(repoId, ref));
  }
  deleteRef(repoId: number, kind: Ref['kind'], name: string): Promise<boolean> {
    return later(() => this.#db.deleteRef(repoId, kind, name));
  }
  getCommit(repoId: number, sha: string): Promise<Commit | undefined> {
    return later(() => this.#db.getCommit(repoId, sha));
  }
  findCommits(repoId: number, prefix: string): Promise<Commit[]> {
    return later(() => this.#db.findCommits(repoId, prefix));
  }
  commitFiles(repoId: number, sha: string): Promise<TreeFile[]> {
    return later(() => this.#db.commitFiles(repoId, sha));
  }
  commitFile(repoId: number, sha: string, path: string): Promise<TreeFile | undefined> {
    return later(() => this.#db.commitFile(repoId, sha, path));
  }
  writeCommit(repoId: number, write: CommitWrite): Promise<void> {
    return later(() => this.#db.writeCommit(repoId, write));
  }
  async commitToBranch(
    repoId: number,
    branch: string,
    build: (head: Commit, files: readonly TreeFile[]) => Promise<PreparedCommit>,
  ): Promise<Commit> {
    return this.#serialised(repoId, async () => {
      for (let attempt = 1; ; attempt++) {
        const head = this.#db.branchHead(repoId, branch);
        const draft = await build(head, this.#db.commitFiles(repoId, head.sha));
        try {
          this.#db.applyCommit(repoId, branch, head.sha, draft);
          return draft.commit;
        } catch (error) {
          const raced =
            isModelhubError(error) && error.code === 'CONFLICT' && error.details['raced'] === true;
          if (!raced || attempt >= 20) {
            throw error;
          }
        }
      }
    });
  }

  async #serialised<T>(repoId: number, work: () => Promise<T>): Promise<T> {
    const previous = this.#repoQueues.get(repoId) ?? Promise.resolve();
    const run = previous.then(work, work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.#repoQueues.set(repoId, settled);
    try {
      return await run;
    } finally {
      if (this.#repoQueues.get(repoId) === settled) {
        this.#repoQueues.delete(repoId);
      }
    }
  }

  touchBlob(sha256: string): Promise<BlobRecord | undefined> {
    return later(() => this.#db.touchBlob(sha256));
  }
  recordBlob(sha256: string, size: number): Promise<boolean> {
    return later(() => this.#db.recordBlob(sha256, size));
  }
  claimGarbage(cutoff: Date, limit: number): Promise<BlobRecord[]> {
    return later(() => this.#db.claimGarbage(cutoff, limit));
  }
  forgetBlob(sha256: string): Promise<void> {
    return later(() => this.#db.forgetBlob(sha256));
  }
  recordUpload(upload: PendingUpload): Promise<void> {
    return later(() => this.#db.recordUpload(upload));
  }
  getUpload(id: string): Promise<PendingUpload | undefined> {
    return later(() => this.#db.getUpload(id));
  }
  pendingUploads(repoId: number, sha256: string): Promise<PendingUpload[]> {
    return later(() => this.#db.pendingUploads(repoId, sha256));
  }
  deleteUpload(id: string): Promise<void> {
    return later(() => this.#db.deleteUpload(id));
  }
  expiredUploads(before: Date, limit: number): Promise<PendingUpload[]> {
    return later(() => this.#db.expiredUploads(before, limit));
  }

  /** A lease row with an expiry (renewed while `work` runs), so a crashed holder frees it. */
  async withLeadership<T>(name: string, work: () => Promise<T>): Promise<T | undefined> {
    const leaseMs = 60_000;
    const holder = randomUUID();
    if (!this.#db.takeLease(name, holder, new Date(Date.now() + leaseMs))) {
      return undefined;
    }
    const renew = setInterval(() => {
      this.#db.takeLease(name, holder, new Date(Date.now() + leaseMs));
    }, leaseMs / 3);
    try {
      return await work();
    } finally {
      clearInterval(renew);
      this.#db.releaseLease(name, holder);
    }
  }

  linkObject(repoId: number, sha256: string): Promise<void> {
    return later(() => this.#db.linkObject(repoId, sha256));
  }
  hasObject(repoId: number, sha256: string): Promise<boolean> {
    return later(() => this.#db.hasObject(repoId, sha256));
  }
  setAlias(alias: Alias): Promise<void> {
    return later(() => this.#db.setAlias(alias));
  }
  getAlias(name: string): Promise<Alias | undefined> {
    return later(() => this.#db.getAlias(name));
  }
  setting(key: string, create: () => string): Promise<string> {
    return later(() => this.#db.setting(key, create));
  }
  ping(): Promise<void> {
    return later(() => {
      this.#db.getAccount('');
    });
  }
  close(): Promise<void> {
    return later(() => this.#db.close());
  }
}
