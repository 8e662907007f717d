import { ModelhubError, assertSafeRepoPath, isCommitSha } from '@modelhub/core';

import type { Commit, Ref, Repo, TreeFile } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';

/** One page of a branch's history, newest first. */
export interface CommitPage {
  readonly commits: readonly Commit[];
  /** Whether older commits follow this page. */
  readonly more: boolean;
}

/**
 * Reading a repo at a revision: its refs, the commit a revision names, that commit's files and
 * history. Commits are immutable, so their rows and file lists are kept in memory (least recently
 * used out first), keyed by repo id, repo creation time (a deleted repo's id may be reused) and sha.
 * Permissions are checked before: callers pass a repo the actor may read.
 */
export class RevisionService {
  readonly #metadata: MetadataStore;
  readonly #cacheSize: number;
  readonly #commits = new Map<string, Commit>();
  readonly #cachedCommits = new WeakSet<Commit>();
  readonly #commitFiles = new WeakMap<Commit, ReadonlyMap<string, TreeFile>>();

  constructor(metadata: MetadataStore, options: { commitCacheSize: number }) {
    this.#metadata = metadata;
    this.#cacheSize = options.commitCacheSize;
  }

  /** The repo's branches and tags. */
  refs(repo: Repo): Promise<Ref[]> {
    return this.#metadata.listRefs(repo.id);
  }

  /** The names of the repo's branches and tags (used to split raw URL paths). */
  async refNames(repo: Repo): Promise<Set<string>> {
    return new Set((await this.refs(repo)).map((ref) => ref.name));
  }

  /**
   * The commit a revision names: a branch, a tag, `HEAD`, or a full or short commit sha. A full
   * sha costs no query once its commit is cached (ref names cannot be 40 hex digits).
   */
  async resolve(repo: Repo, revision: string): Promise<Commit> {
    const name = revision === 'HEAD' ? 'main' : revision;
    let commit: Commit | undefined;
    if (isCommitSha(name)) {
      commit = await this.commit(repo, name);
    } else {
      const ref =
        (await this.#metadata.getRef(repo.id, 'branch', name)) ??
        (await this.#metadata.getRef(repo.id, 'tag', name));
      if (ref !== undefined) {
        commit = await this.commit(repo, ref.commit);
      } else if (/^[0-9a-f]{5,39}$/.test(name)) {
        const found = await this.#metadata.findCommits(repo.id, name);
        commit = found.length === 1 ? found[0] : undefined;
      }
    }
    if (commit === undefined) {
      throw new ModelhubError('REVISION_NOT_FOUND', `Invalid rev id: ${revision}`, {
        hint: 'Use a branch, a tag or a commit sha of this repository.',
        details: { repo: `${repo.namespace}/${repo.name}`, revision },
      });
    }
    return commit;
  }

  /** The commit with this full sha, or undefined. */
  async commit(repo: Repo, sha: string): Promise<Commit | undefined> {
    const key = `${repo.id}:${repo.createdAt}:${sha}`;
    const cached = this.#commits.get(key);
    if (cached !== undefined) {
      this.#commits.delete(key);
      this.#commits.set(key, cached);
      return cached;
    }
    const commit = await this.#metadata.getCommit(repo.id, sha);
    if (commit !== undefined && this.#cacheSize > 0) {
      this.#commits.set(key, commit);
      this.#cachedCommits.add(commit);
      if (this.#commits.size > this.#cacheSize) {
        const oldest = this.#commits.keys().next();
        if (oldest.done !== true) {
          this.#commits.delete(oldest.value);
        }
      }
    }
    return commit;
  }

  /** Every file of a commit, sorted by path. */
  files(commit: Commit): Promise<TreeFile[]> {
    return this.#metadata.commitFiles(commit.repoId, commit.sha);
  }

  /** One file of a commit, else ENTRY_NOT_FOUND carrying the commit sha. */
  async file(commit: Commit, path: string): Promise<TreeFile> {
    assertSafeRepoPath(path);
    const found = await this.#fileOf(commit, path);
    if (found === undefined) {
      throw new ModelhubError('ENTRY_NOT_FOUND', `Entry not found: ${path}`, {
        details: { path, commit: commit.sha },
      });
    }
    return found;
  }

  /** A cached commit's file list is read once and kept with it; any other commit costs one query. */
  async #fileOf(commit: Commit, path: string): Promise<TreeFile | undefined> {
    let files = this.#commitFiles.get(commit);
    if (files === undefined) {
      if (!this.#cachedCommits.has(commit)) {
        return this.#metadata.commitFile(commit.repoId, commit.sha, path);
      }
      files = new Map((await this.files(commit)).map((f) => [f.path, f]));
      this.#commitFiles.set(commit, files);
    }
    return files.get(path);
  }

  /** The history of a revision, newest first: `limit` commits after skipping `offset`. */
  async history(repo: Repo, revision: string, page: { offset: number; limit: number }): Promise<CommitPage> {
    let commit: Commit | undefined = await this.resolve(repo, revision);
    const commits: Commit[] = [];
    for (let i = 0; commit !== undefined && i < page.offset + page.limit + 1; i++) {
      if (i >= page.offset) {
        commits.push(commit);
      }
      // Straight from the store: walking history must not evict the hot commits from the cache.
      commit = commit.parent === null ? undefined : await this.#metadata.getCommit(repo.id, commit.parent);
    }
    return { commits: commits.slice(0, page.limit), more: commits.length > page.limit };
  }

  /** The commits that last touched `files`, by sha (for `lastCommit` in tree entries). */
  async lastCommits(repo: Repo, files: readonly TreeFile[]): Promise<ReadonlyMap<string, Commit>> {
    const shas = [...new Set(files.map((f) => f.lastCommit))];
    const commits = await Promise.all(shas.map((sha) => this.#metadata.getCommit(repo.id, sha)));
    return new Map(commits.filter((c): c is Commit => c !== undefined).map((c) => [c.sha, c]));
  }

  /** Drops every cached commit (after a repo is deleted or moved). */
  forget(): void {
    this.#commits.clear();
  }
}
