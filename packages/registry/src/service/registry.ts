import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';

import { ModelhubError, assertSafeRepoPath, gitBlobSha1, isCommitSha, isModelhubError } from '@modelhub/core';

import { generateAccessToken, hashAccessToken } from '../auth/access-token.ts';
import { UrlSigner } from '../auth/url-signer.ts';
import type { Actor, Alias, Commit, Repo, RepoQuery, RepoType, TreeFile } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { gitCommitSha, gitOidOf, gitTreeShas } from '../repo/git-objects.ts';
import { withLfsRules } from '../repo/git-attributes.ts';
import { defaultGitAttributes, shouldUseLfs } from '../repo/lfs-policy.ts';
import { discoveryOf, parseCardData } from '../repo/model-card.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { SmallBlobCache } from '../storage/small-blob-cache.ts';
import type { CommitHeader, CommitOperation } from './commit-operation.ts';
import type { RegistryOptions } from './registry-options.ts';

const namePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;
const sha256Pattern = /^[0-9a-f]{64}$/;
const maxCardSize = 1024 * 1024;

/** What the LFS batch endpoint answers for one object. */
export type LfsObjectPlan =
  | { readonly oid: string; readonly size: number; readonly state: 'present' }
  | { readonly oid: string; readonly size: number; readonly state: 'upload'; readonly token: string }
  | {
      readonly oid: string;
      readonly size: number;
      readonly state: 'multipart';
      readonly token: string;
      readonly chunkSize: number;
      readonly parts: number;
    }
  | {
      readonly oid: string;
      readonly size: number;
      readonly state: 'error';
      readonly code: number;
      readonly message: string;
    };

/** Claims inside a signed LFS upload URL. */
interface UploadClaims {
  readonly repoId: number;
  readonly oid: string;
  readonly size: number;
  readonly uploadId: string;
  readonly parts: number;
  readonly chunkSize: number;
}

/** The preupload verdict for one file. */
export interface UploadModeDecision {
  readonly path: string;
  readonly uploadMode: 'lfs' | 'regular';
  readonly shouldIgnore: boolean;
  readonly oid: string | null;
}

function validName(kind: string, value: string): string {
  if (!namePattern.test(value) || value.includes('--') || value.includes('..')) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(value)} is not a valid ${kind}.`, {
      hint: 'Use letters, digits, "-", "_" and "."; no "--" or ".."; at most 96 characters.',
    });
  }
  return value;
}

function validRefName(kind: string, value: string): string {
  const ok =
    /^[A-Za-z0-9._/-]{1,200}$/.test(value) &&
    !value.includes('..') &&
    !value.includes('//') &&
    !value.startsWith('/') &&
    !value.endsWith('/') &&
    !value.endsWith('.lock') &&
    value !== 'HEAD' &&
    // A name starting with a commit sha would be ambiguous in /resolve/{sha}/{path} URLs.
    !/^[0-9a-f]{40}(\/|$)/.test(value);
  if (!ok) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(value)} is not a valid ${kind} name.`, {
      hint: 'Use letters, digits, ".", "_", "-" and "/" (not "..", not a commit sha, not HEAD).',
    });
  }
  return value;
}

function repoNotFound(actor: Actor, id: string): ModelhubError {
  return new ModelhubError('REPO_NOT_FOUND', `Repository ${id} not found.`, {
    hint: 'Check the name, and pass a token that can read it if it is private.',
    details: { repo: id, anonymous: actor.kind === 'anonymous' },
  });
}

/**
 * The registry's domain operations: accounts and tokens, repos, revisions, commits and LFS
 * uploads, discovery and aliases. It checks every permission itself, so the HTTP routes stay thin
 * and the CLI and seeding reuse the same rules.
 */
export class Registry {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly options: RegistryOptions;
  /** Small blobs served from memory (see SmallBlobCache). */
  readonly smallBlobs: SmallBlobCache;
  readonly #signer: UrlSigner;
  // Commits are immutable: their rows and file lists are kept (least recently used out first) by
  // repo id, repo creation time (a deleted repo's id may be reused) and sha.
  readonly #commits = new Map<string, Commit>();
  readonly #cachedCommits = new WeakSet<Commit>();
  readonly #commitFiles = new WeakMap<Commit, ReadonlyMap<string, TreeFile>>();

  private constructor(metadata: MetadataStore, blobs: BlobStore, options: RegistryOptions, secret: string) {
    this.metadata = metadata;
    this.blobs = blobs;
    this.options = options;
    this.smallBlobs = new SmallBlobCache(blobs, {
      maxBytes: options.smallBlobCacheBytes,
      maxItemBytes: options.smallBlobMaxBytes,
    });
    this.#signer = new UrlSigner(secret);
  }

  /** A registry over the given stores (it reads or creates the URL-signing secret). */
  static async open(metadata: MetadataStore, blobs: BlobStore, options: RegistryOptions): Promise<Registry> {
    const secret = await metadata.setting('url-signing-secret', () => randomBytes(32).toString('hex'));
    return new Registry(metadata, blobs, options, secret);
  }

  // ---- accounts and tokens ------------------------------------------------------------------

  /** Creates a token for `account` (creating the user if needed) and returns the secret once. */
  async createToken(
    account: string,
    role: 'read' | 'write',
    options: { admin?: boolean; displayName?: string } = {},
  ): Promise<string> {
    validName('user name', account);
    await this.metadata.ensureAccount(account, 'user', options.admin === true ? { admin: true } : {});
    const token = generateAccessToken();
    await this.metadata.insertToken(
      account,
      role,
      hashAccessToken(token),
      options.displayName ?? `${role} token`,
    );
    return token;
  }

  /** Who holds the bearer token in an Authorization header (anonymous when there is none). */
  async authenticate(authorization: string | undefined): Promise<Actor> {
    if (authorization === undefined || authorization === '') {
      return { kind: 'anonymous' };
    }
    const match = /^Bearer\s+(\S+)$/i.exec(authorization);
    const found =
      match?.[1] === undefined ? undefined : await this.metadata.findToken(hashAccessToken(match[1]));
    if (found === undefined) {
      throw new ModelhubError('AUTH_INVALID_TOKEN', 'Invalid credentials in Authorization header', {
        hint: 'Create a token with `hub token create` and pass it as a Bearer token.',
      });
    }
    return {
      kind: 'account',
      account: found.account,
      orgs: await this.metadata.orgsOf(found.account.name),
      token: found.token,
    };
  }

  #requireAccount(actor: Actor): Extract<Actor, { kind: 'account' }> {
    if (actor.kind === 'anonymous') {
      throw new ModelhubError('AUTH_REQUIRED', 'This call needs an access token.', {
        hint: 'Pass a token created with `hub token create`.',
      });
    }
    return actor;
  }

  canRead(actor: Actor, repo: Repo): boolean {
    if (!repo.private) {
      return true;
    }
    if (actor.kind === 'anonymous') {
      return false;
    }
    return (
      actor.account.isAdmin || actor.account.name === repo.namespace || actor.orgs.includes(repo.namespace)
    );
  }

  #assertCanWrite(actor: Actor, namespace: string): void {
    const who = this.#requireAccount(actor);
    if (who.token.role !== 'write') {
      throw new ModelhubError('AUTH_FORBIDDEN', 'This token is read-only.', {
        hint: 'Create a token with `hub token create --write`.',
      });
    }
    if (!(who.account.isAdmin || who.account.name === namespace || who.orgs.includes(namespace))) {
      throw new ModelhubError(
        'AUTH_FORBIDDEN',
        `${who.account.name} cannot write to the namespace ${namespace}.`,
        {
          hint: 'Write to your own namespace or to an organisation you belong to.',
        },
      );
    }
  }

  /** The namespaces whose private repos the actor may list. */
  privateNamespaces(actor: Actor): readonly string[] | '*' {
    if (actor.kind === 'anonymous') {
      return [];
    }
    return actor.account.isAdmin ? '*' : [actor.account.name, ...actor.orgs];
  }

  // ---- repos ---------------------------------------------------------------------------------

  /** A repo the actor may read, else REPO_NOT_FOUND (private repos are not revealed). */
  async readableRepo(actor: Actor, type: RepoType, namespace: string, name: string): Promise<Repo> {
    const repo = await this.metadata.getRepo(type, namespace, name);
    if (repo === undefined || !this.canRead(actor, repo)) {
      throw repoNotFound(actor, `${namespace}/${name}`);
    }
    return repo;
  }

  /** A repo the actor may write to. */
  async writableRepo(actor: Actor, type: RepoType, namespace: string, name: string): Promise<Repo> {
    const repo = await this.readableRepo(actor, type, namespace, name);
    this.#assertCanWrite(actor, namespace);
    return repo;
  }

  async createRepo(
    actor: Actor,
    request: { type: RepoType; namespace?: string; name: string; private: boolean },
  ): Promise<Repo> {
    const who = this.#requireAccount(actor);
    const namespace = validName('namespace', request.namespace ?? who.account.name);
    const name = validName('repo name', request.name);
    this.#assertCanWrite(actor, namespace);
    if ((await this.metadata.getAccount(namespace)) === undefined) {
      await this.metadata.ensureAccount(namespace, 'org');
    }
    return this.createRepoAs(who.account.name, request.type, namespace, name, request.private);
  }

  /** Creates a repo whose first commit holds the default `.gitattributes` (no permission check). */
  async createRepoAs(
    author: string,
    type: RepoType,
    namespace: string,
    name: string,
    isPrivate: boolean,
  ): Promise<Repo> {
    const attributes = Buffer.from(defaultGitAttributes);
    // The blob is stored before the metadata transaction refers to it; an orphan is harmless.
    const stored = await this.blobs.write([attributes], { maxSize: attributes.byteLength });
    const file = {
      path: '.gitattributes',
      size: stored.size,
      sha256: stored.sha256,
      gitOid: gitBlobSha1(attributes),
      lfs: false,
    };
    return this.metadata.createRepo({ type, namespace, name, private: isPrivate }, (repoId) =>
      this.#buildCommit(
        repoId,
        null,
        author,
        { summary: 'initial commit', description: '' },
        [file],
        new Set([file.path]),
        null,
      ),
    );
  }

  async deleteRepo(actor: Actor, type: RepoType, namespace: string, name: string): Promise<void> {
    const repo = await this.writableRepo(actor, type, namespace, name);
    await this.metadata.deleteRepo(repo.id);
    this.#commits.clear();
  }

  async setPrivate(
    actor: Actor,
    type: RepoType,
    namespace: string,
    name: string,
    isPrivate: boolean,
  ): Promise<void> {
    const repo = await this.writableRepo(actor, type, namespace, name);
    await this.metadata.setPrivate(repo.id, isPrivate);
  }

  // ---- revisions and files -------------------------------------------------------------------

  /** The names of the repo's branches and tags (used to split raw URL paths). */
  async refNames(repo: Repo): Promise<Set<string>> {
    return new Set((await this.metadata.listRefs(repo.id)).map((ref) => ref.name));
  }

  /**
   * The commit a revision names: a branch, a tag, `HEAD`, or a full or short commit sha. A full
   * sha costs no query once its commit is cached (ref names cannot be 40 hex digits).
   */
  async resolveRevision(repo: Repo, revision: string): Promise<Commit> {
    const name = revision === 'HEAD' ? 'main' : revision;
    let commit: Commit | undefined;
    if (isCommitSha(name)) {
      commit = await this.#commit(repo, name);
    } else {
      const ref =
        (await this.metadata.getRef(repo.id, 'branch', name)) ??
        (await this.metadata.getRef(repo.id, 'tag', name));
      if (ref !== undefined) {
        commit = await this.#commit(repo, ref.commit);
      } else if (/^[0-9a-f]{5,39}$/.test(name)) {
        const found = await this.metadata.findCommits(repo.id, name);
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

  async #commit(repo: Repo, sha: string): Promise<Commit | undefined> {
    const key = `${repo.id}:${repo.createdAt}:${sha}`;
    const cached = this.#commits.get(key);
    if (cached !== undefined) {
      this.#commits.delete(key);
      this.#commits.set(key, cached);
      return cached;
    }
    const commit = await this.metadata.getCommit(repo.id, sha);
    if (commit !== undefined && this.options.commitCacheSize > 0) {
      this.#commits.set(key, commit);
      this.#cachedCommits.add(commit);
      if (this.#commits.size > this.options.commitCacheSize) {
        const oldest = this.#commits.keys().next();
        if (oldest.done !== true) {
          this.#commits.delete(oldest.value);
        }
      }
    }
    return commit;
  }

  files(commit: Commit): Promise<TreeFile[]> {
    return this.metadata.commitFiles(commit.repoId, commit.sha);
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
        return this.metadata.commitFile(commit.repoId, commit.sha, path);
      }
      files = new Map((await this.files(commit)).map((f) => [f.path, f]));
      this.#commitFiles.set(commit, files);
    }
    return files.get(path);
  }

  /**
   * Counts a download. Counts are added up in memory and written once per turn of the event loop
   * (one UPDATE per repo instead of one per file), before any later request is read.
   */
  countDownload(repo: Repo): Promise<void> {
    if (this.#pendingDownloads.size === 0) {
      setImmediate(() => {
        void this.#flushDownloads().catch(() => undefined);
      });
    }
    this.#pendingDownloads.set(repo.id, (this.#pendingDownloads.get(repo.id) ?? 0) + 1);
    return Promise.resolve();
  }

  readonly #pendingDownloads = new Map<number, number>();

  async #flushDownloads(): Promise<void> {
    const pending = [...this.#pendingDownloads];
    this.#pendingDownloads.clear();
    for (const [repoId, count] of pending) {
      await this.metadata.countDownload(repoId, count);
    }
  }

  // ---- uploads -------------------------------------------------------------------------------

  /** Decides LFS or regular for each file, and reports the remote oid of paths that exist. */
  async preupload(
    repo: Repo,
    revision: string,
    files: readonly { path: string; size: number; sample: Uint8Array }[],
  ): Promise<UploadModeDecision[]> {
    let existing = new Map<string, TreeFile>();
    try {
      existing = new Map(
        (await this.files(await this.resolveRevision(repo, revision))).map((f) => [f.path, f]),
      );
    } catch {
      // A new branch has no files yet.
    }
    return files.map((f) => {
      assertSafeRepoPath(f.path);
      const remote = existing.get(f.path);
      return {
        path: f.path,
        uploadMode: shouldUseLfs(f.path, f.size, f.sample, this.options.lfsThreshold) ? 'lfs' : 'regular',
        shouldIgnore: false,
        oid: remote === undefined ? null : remote.lfs ? remote.sha256 : remote.gitOid,
      };
    });
  }

  /** Plans the transfer of each LFS object: already present, one PUT, or parts. */
  async planLfsUploads(
    repo: Repo,
    objects: readonly { oid: string; size: number }[],
  ): Promise<LfsObjectPlan[]> {
    const plans: LfsObjectPlan[] = [];
    for (const { oid, size } of objects) {
      if (!sha256Pattern.test(oid) || !Number.isSafeInteger(size) || size < 0) {
        plans.push({
          oid,
          size,
          state: 'error',
          code: 422,
          message: 'oid must be a sha256 and size a non-negative integer',
        });
        continue;
      }
      if (size > this.options.maxObjectSize) {
        plans.push({
          oid,
          size,
          state: 'error',
          code: 413,
          message: `Objects are limited to ${this.options.maxObjectSize} bytes`,
        });
        continue;
      }
      const stored = await this.blobs.stat(oid);
      // Skipping the upload is only safe when this repo already proved it holds the bytes.
      if (stored === size && (await this.metadata.hasObject(repo.id, oid))) {
        plans.push({ oid, size, state: 'present' });
        continue;
      }
      const multipart = size > this.options.multipartThreshold;
      const chunkSize = multipart ? this.options.multipartChunkSize : size;
      const parts = multipart ? Math.ceil(size / chunkSize) : 1;
      const claims = {
        repoId: repo.id,
        oid,
        size,
        uploadId: randomBytes(12).toString('hex'),
        parts,
        chunkSize,
      };
      const token = this.#signer.sign(
        { r: claims.repoId, o: oid, s: size, u: claims.uploadId, p: parts, c: chunkSize },
        this.options.uploadUrlTtl,
      );
      plans.push(
        multipart
          ? { oid, size, state: 'multipart', token, chunkSize, parts }
          : { oid, size, state: 'upload', token },
      );
    }
    return plans;
  }

  #claims(token: string): UploadClaims {
    const raw = this.#signer.verify(token);
    const { r, o, s, u, p, c } = raw;
    if (
      typeof r !== 'number' ||
      typeof o !== 'string' ||
      typeof s !== 'number' ||
      typeof u !== 'string' ||
      typeof p !== 'number' ||
      typeof c !== 'number'
    ) {
      throw new ModelhubError('AUTH_FORBIDDEN', 'This upload URL is malformed.');
    }
    return { repoId: r, oid: o, size: s, uploadId: u, parts: p, chunkSize: c };
  }

  /** Receives a whole LFS object from a signed URL; refuses bytes that don't match. */
  async receiveUpload(token: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    const claims = this.#claims(token);
    await this.blobs.write(body, { sha256: claims.oid, size: claims.size, maxSize: claims.size });
    await this.metadata.linkObject(claims.repoId, claims.oid);
  }

  /** Stores an LFS object for a repo from a trusted source (seeding, tools), without a signed URL. */
  async storeObject(
    repo: Repo,
    body: AsyncIterable<Uint8Array>,
    expected: { sha256: string; size: number },
  ): Promise<void> {
    await this.blobs.write(body, { ...expected, maxSize: expected.size });
    await this.metadata.linkObject(repo.id, expected.sha256);
  }

  /** Receives one part of a multipart upload; returns its ETag. */
  async receivePart(token: string, partNumber: number, body: AsyncIterable<Uint8Array>): Promise<string> {
    const claims = this.#claims(token);
    if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > claims.parts) {
      throw new ModelhubError('INVALID_ARGUMENT', `Part ${partNumber} is out of range 1..${claims.parts}.`);
    }
    const expected =
      partNumber === claims.parts ? claims.size - claims.chunkSize * (claims.parts - 1) : claims.chunkSize;
    return this.blobs.writePart(claims.uploadId, partNumber, body, expected);
  }

  /** Joins the parts of a multipart upload into the object. */
  async completeUpload(token: string, oid: string): Promise<void> {
    const claims = this.#claims(token);
    if (oid !== claims.oid) {
      throw new ModelhubError('INVALID_ARGUMENT', 'The completion names another object than its URL.');
    }
    const parts = Array.from({ length: claims.parts }, (_, i) => ({ partNumber: i + 1, etag: '' }));
    await this.blobs.completeParts(claims.uploadId, parts, {
      sha256: claims.oid,
      size: claims.size,
      maxSize: claims.size,
    });
    await this.metadata.linkObject(claims.repoId, claims.oid);
  }

  /** Confirms an uploaded object is stored with the announced size (Python's verify step). */
  async verifyUpload(token: string, object: { oid: string; size: number }): Promise<void> {
    const claims = this.#claims(token);
    const stored = await this.blobs.stat(claims.oid);
    if (object.oid !== claims.oid || stored !== claims.size || object.size !== claims.size) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `Object ${object.oid} is not stored with size ${object.size}.`,
      );
    }
  }

  // ---- commits -------------------------------------------------------------------------------

  #buildCommit(
    repoId: number,
    parent: Commit | null,
    author: string,
    header: CommitHeader,
    files: readonly Omit<TreeFile, 'lastCommit'>[],
    changed: ReadonlySet<string>,
    cardData: Record<string, unknown> | null,
    previous: ReadonlyMap<string, TreeFile> = new Map(),
  ): { commit: Commit; files: TreeFile[] } {
    const trees = gitTreeShas(files.map((f) => ({ path: f.path, oid: f.gitOid })));
    const createdAt = new Date().toISOString();
    const base = {
      treeSha: trees.get('') ?? '',
      parent: parent?.sha ?? null,
      author,
      createdAt,
      title: header.summary,
      description: header.description,
    };
    const sha = gitCommitSha(base);
    const commit: Commit = { ...base, sha, repoId, cardData };
    const withLast = files.map((f) => ({
      ...f,
      lastCommit: changed.has(f.path) ? sha : (previous.get(f.path)?.lastCommit ?? sha),
    }));
    return { commit, files: withLast };
  }

  /** Commits operations to a branch as `actor`, all or nothing. */
  async commit(
    actor: Actor,
    repo: Repo,
    branch: string,
    header: CommitHeader,
    operations: readonly CommitOperation[],
  ): Promise<Commit> {
    this.#assertCanWrite(actor, repo.namespace);
    const who = this.#requireAccount(actor);
    return this.commitAs(who.account.name, repo, branch, header, operations);
  }

  /** Commits without a permission check (seeding, admin tools). */
  async commitAs(
    author: string,
    repo: Repo,
    branch: string,
    header: CommitHeader,
    operations: readonly CommitOperation[],
  ): Promise<Commit> {
    // Without a parentCommit the caller asked for "on top of whatever the head is": when another
    // commit lands while this one is prepared, rebuild it on the new head instead of failing.
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#serialised(repo.id, () =>
          this.#commitOnce(author, repo, branch, header, operations),
        );
      } catch (error) {
        const raced = isModelhubError(error) && error.code === 'CONFLICT' && error.details['raced'] === true;
        if (!raced || header.parentCommit !== undefined || attempt >= 5) {
          throw error;
        }
      }
    }
  }

  // Commits to one repo run one at a time in this process; the head check in writeCommit (and the
  // retry above) covers writers in other processes.
  readonly #repoQueues = new Map<number, Promise<unknown>>();

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

  async #commitOnce(
    author: string,
    repo: Repo,
    branch: string,
    header: CommitHeader,
    operations: readonly CommitOperation[],
  ): Promise<Commit> {
    const headRef = await this.metadata.getRef(repo.id, 'branch', branch);
    if (headRef === undefined) {
      throw new ModelhubError('REVISION_NOT_FOUND', `Invalid rev id: ${branch}`, {
        hint: 'Commit to an existing branch (create it first).',
        details: { revision: branch },
      });
    }
    if (header.parentCommit !== undefined && header.parentCommit !== headRef.commit) {
      throw new ModelhubError(
        'CONFLICT',
        `The parent commit ${header.parentCommit} is not the head of ${branch} (${headRef.commit}).`,
        {
          hint: 'Fetch the new head, re-apply your changes and commit again.',
          details: { branch, head: headRef.commit, parentCommit: header.parentCommit },
        },
      );
    }
    const head = await this.resolveRevision(repo, headRef.commit);
    const previous = new Map((await this.files(head)).map((f) => [f.path, f]));
    const next = new Map<string, Omit<TreeFile, 'lastCommit'>>(previous);
    const changed = new Set<string>();
    for (const op of operations) {
      const path = op.kind === 'deletedFolder' ? op.path.replace(/\/+$/, '') : op.path;
      assertSafeRepoPath(path);
      switch (op.kind) {
        case 'file': {
          const stored = await this.blobs.write([op.content], { maxSize: op.content.byteLength });
          next.set(path, {
            path,
            size: stored.size,
            sha256: stored.sha256,
            gitOid: gitBlobSha1(op.content),
            lfs: false,
          });
          changed.add(path);
          break;
        }
        case 'lfsFile': {
          if (!sha256Pattern.test(op.sha256)) {
            throw new ModelhubError('INVALID_INPUT', `The LFS oid of ${path} is not a sha256.`);
          }
          const size = (await this.metadata.hasObject(repo.id, op.sha256))
            ? await this.blobs.stat(op.sha256)
            : undefined;
          if (size === undefined || (op.size !== undefined && op.size !== size)) {
            throw new ModelhubError(
              'INVALID_INPUT',
              `The LFS object ${op.sha256} for ${path} was not uploaded${size === undefined ? '' : ` with size ${op.size}`}.`,
              {
                hint: 'Upload the object through the LFS batch endpoint before committing.',
                details: { path, oid: op.sha256 },
              },
            );
          }
          next.set(path, {
            path,
            size,
            sha256: op.sha256,
            gitOid: gitOidOf({ lfs: true, sha256: op.sha256, size }),
            lfs: true,
          });
          changed.add(path);
          break;
        }
        case 'deletedFile': {
          if (!next.delete(path)) {
            throw new ModelhubError('ENTRY_NOT_FOUND', `Cannot delete ${path}: no such file.`, {
              details: { path, commit: head.sha },
            });
          }
          break;
        }
        case 'deletedFolder': {
          let any = false;
          for (const key of [...next.keys()]) {
            if (key.startsWith(`${path}/`)) {
              next.delete(key);
              any = true;
            }
          }
          if (!any) {
            throw new ModelhubError('ENTRY_NOT_FOUND', `Cannot delete folder ${path}: no such folder.`, {
              details: { path, commit: head.sha },
            });
          }
          break;
        }
      }
    }
    await this.#trackLfsPaths(next, changed);
    const files = [...next.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    for (const file of files) {
      if (next.has(file.path.replace(/\/[^/]*$/, '')) && file.path.includes('/')) {
        throw new ModelhubError('INVALID_INPUT', `${file.path} would sit inside a file.`, {
          details: { path: file.path },
        });
      }
      for (let i = file.path.indexOf('/'); i > 0; i = file.path.indexOf('/', i + 1)) {
        if (next.has(file.path.slice(0, i))) {
          throw new ModelhubError(
            'INVALID_INPUT',
            `${file.path} would sit inside the file ${file.path.slice(0, i)}.`,
            { details: { path: file.path } },
          );
        }
      }
    }
    const cardData = await this.#cardOf(next.get('README.md'));
    const built = this.#buildCommit(repo.id, head, author, header, files, changed, cardData, previous);
    await this.metadata.writeCommit(repo.id, {
      commit: built.commit,
      files: built.files,
      branch,
      expectedHead: head.sha,
      discovery: discoveryOf(cardData),
    });
    return built.commit;
  }

  /** Adds `.gitattributes` rules for changed LFS paths that no rule covers yet (as the Hub does). */
  async #trackLfsPaths(next: Map<string, Omit<TreeFile, 'lastCommit'>>, changed: Set<string>): Promise<void> {
    const lfsPaths = [...changed].filter((path) => next.get(path)?.lfs === true);
    const current = next.get('.gitattributes');
    if (lfsPaths.length === 0 || current?.lfs === true || (current?.size ?? 0) > maxCardSize) {
      return;
    }
    const text =
      current === undefined ? '' : (await buffer(this.blobs.read(current.sha256))).toString('utf8');
    const updated = withLfsRules(text, lfsPaths);
    if (updated === text) {
      return;
    }
    const bytes = Buffer.from(updated);
    const stored = await this.blobs.write([bytes], { maxSize: bytes.byteLength });
    next.set('.gitattributes', {
      path: '.gitattributes',
      size: stored.size,
      sha256: stored.sha256,
      gitOid: gitBlobSha1(bytes),
      lfs: false,
    });
    changed.add('.gitattributes');
  }

  async #cardOf(readme: Omit<TreeFile, 'lastCommit'> | undefined): Promise<Record<string, unknown> | null> {
    if (readme === undefined || readme.size > maxCardSize) {
      return null;
    }
    const text = (await buffer(this.blobs.read(readme.sha256))).toString('utf8');
    return parseCardData(text);
  }

  /** Creates or moves a branch to a revision. */
  async createBranch(
    actor: Actor,
    repo: Repo,
    branch: string,
    startingPoint: string | undefined,
    overwrite: boolean,
  ): Promise<void> {
    this.#assertCanWrite(actor, repo.namespace);
    validRefName('branch', branch);
    if (!overwrite && (await this.metadata.getRef(repo.id, 'branch', branch)) !== undefined) {
      throw new ModelhubError('CONFLICT', `Branch ${branch} already exists.`);
    }
    const commit = await this.resolveRevision(repo, startingPoint ?? 'main');
    await this.metadata.setRef(repo.id, { kind: 'branch', name: branch, commit: commit.sha });
  }

  /** Tags a revision. */
  async createTag(actor: Actor, repo: Repo, tag: string, revision: string): Promise<void> {
    this.#assertCanWrite(actor, repo.namespace);
    validRefName('tag', tag);
    if ((await this.metadata.getRef(repo.id, 'tag', tag)) !== undefined) {
      throw new ModelhubError('CONFLICT', `Tag ${tag} already exists.`);
    }
    const commit = await this.resolveRevision(repo, revision);
    await this.metadata.setRef(repo.id, { kind: 'tag', name: tag, commit: commit.sha });
  }

  // ---- discovery -----------------------------------------------------------------------------

  listRepos(
    actor: Actor,
    query: Omit<RepoQuery, 'privateNamespaces'>,
  ): Promise<{ repos: Repo[]; more: boolean }> {
    return this.metadata.listRepos({ ...query, privateNamespaces: this.privateNamespaces(actor) });
  }

  async setAlias(name: string, repoId: string, revision: string | null = null): Promise<Alias> {
    validName('alias', name);
    const [namespace = '', repoName = '', ...rest] = repoId.split('/');
    if (rest.length > 0 || (await this.metadata.getRepo('model', namespace, repoName)) === undefined) {
      throw new ModelhubError('REPO_NOT_FOUND', `Repository ${repoId} not found.`, {
        hint: 'Create or seed the repository before aliasing it.',
      });
    }
    const alias: Alias = { name, repoType: 'model', repo: repoId, revision };
    await this.metadata.setAlias(alias);
    return alias;
  }

  /** An alias whose repo the actor can read, else ALIAS_NOT_FOUND. */
  async getAlias(actor: Actor, name: string): Promise<Alias> {
    const alias = await this.metadata.getAlias(name);
    const [namespace = '', repoName = ''] = alias?.repo.split('/') ?? [];
    const repo =
      alias === undefined ? undefined : await this.metadata.getRepo(alias.repoType, namespace, repoName);
    if (alias === undefined || repo === undefined || !this.canRead(actor, repo)) {
      throw new ModelhubError('ALIAS_NOT_FOUND', `Alias ${name} not found.`, {
        hint: 'Run `hub search` to find a model by name.',
        details: { alias: name },
      });
    }
    return alias;
  }

  async close(): Promise<void> {
    await this.#flushDownloads().catch(() => undefined);
    await this.metadata.close();
  }
}
