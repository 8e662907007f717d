import { buffer } from 'node:stream/consumers';

import { ModelhubError, assertSafeRepoPath, gitBlobSha1, isModelhubError } from '@modelhub/core';

import type { Actor, Commit, Repo, TreeFile } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { withLfsRules } from '../repo/git-attributes.ts';
import { gitOidOf } from '../repo/git-objects.ts';
import { discoveryOf, parseCardData } from '../repo/model-card.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { AccessControl } from './access-control.ts';
import { buildCommit } from './build-commit.ts';
import type { CommitHeader, CommitOperation } from './commit-operation.ts';
import type { RevisionService } from './revision-service.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;
const maxCardSize = 1024 * 1024;

type DraftFile = Omit<TreeFile, 'lastCommit'>;

/**
 * Applies commit operations to a branch, all or nothing: inline files are stored, LFS files must
 * have been uploaded to this repo, `.gitattributes` gains rules for new LFS paths, and the README's
 * front matter becomes the commit's card data.
 */
export class CommitService {
  readonly #metadata: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #access: AccessControl;
  readonly #revisions: RevisionService;
  // Commits to one repo run one at a time in this process; the head check in writeCommit (and the
  // retry in commitAs) covers writers in other processes.
  readonly #repoQueues = new Map<number, Promise<unknown>>();

  constructor(metadata: MetadataStore, blobs: BlobStore, access: AccessControl, revisions: RevisionService) {
    this.#metadata = metadata;
    this.#blobs = blobs;
    this.#access = access;
    this.#revisions = revisions;
  }

  /** Commits operations to a branch as `actor`, who must be able to write to the repo. */
  async commit(
    actor: Actor,
    repo: Repo,
    branch: string,
    header: CommitHeader,
    operations: readonly CommitOperation[],
  ): Promise<Commit> {
    const who = this.#access.assertCanWrite(actor, repo.namespace);
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
    const headRef = await this.#metadata.getRef(repo.id, 'branch', branch);
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
    const head = await this.#revisions.resolve(repo, headRef.commit);
    const previous = new Map((await this.#revisions.files(head)).map((f) => [f.path, f]));
    const next = new Map<string, DraftFile>(previous);
    const changed = new Set<string>();
    for (const op of operations) {
      await this.#apply(repo, head, op, next, changed);
    }
    await this.#trackLfsPaths(next, changed);
    const files = [...next.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
    assertNoFileInsideFile(files, next);
    const cardData = await this.#cardOf(next.get('README.md'));
    const built = buildCommit({
      repoId: repo.id,
      parent: head,
      author,
      header,
      files,
      changed,
      cardData,
      previous,
    });
    await this.#metadata.writeCommit(repo.id, {
      commit: built.commit,
      files: built.files,
      branch,
      expectedHead: head.sha,
      discovery: discoveryOf(cardData),
    });
    return built.commit;
  }

  /** Applies one operation to the next file list. */
  async #apply(
    repo: Repo,
    head: Commit,
    op: CommitOperation,
    next: Map<string, DraftFile>,
    changed: Set<string>,
  ): Promise<void> {
    const path = op.kind === 'deletedFolder' ? op.path.replace(/\/+$/, '') : op.path;
    assertSafeRepoPath(path);
    switch (op.kind) {
      case 'file': {
        const stored = await this.#blobs.write([op.content], { maxSize: op.content.byteLength });
        next.set(path, {
          path,
          size: stored.size,
          sha256: stored.sha256,
          gitOid: gitBlobSha1(op.content),
          lfs: false,
        });
        changed.add(path);
        return;
      }
      case 'lfsFile': {
        if (!sha256Pattern.test(op.sha256)) {
          throw new ModelhubError('INVALID_INPUT', `The LFS oid of ${path} is not a sha256.`);
        }
        const size = (await this.#metadata.hasObject(repo.id, op.sha256))
          ? await this.#blobs.stat(op.sha256)
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
        return;
      }
      case 'deletedFile': {
        if (!next.delete(path)) {
          throw new ModelhubError('ENTRY_NOT_FOUND', `Cannot delete ${path}: no such file.`, {
            details: { path, commit: head.sha },
          });
        }
        return;
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
        return;
      }
    }
  }

  /** Adds `.gitattributes` rules for changed LFS paths that no rule covers yet (as the Hub does). */
  async #trackLfsPaths(next: Map<string, DraftFile>, changed: Set<string>): Promise<void> {
    const lfsPaths = [...changed].filter((path) => next.get(path)?.lfs === true);
    const current = next.get('.gitattributes');
    if (lfsPaths.length === 0 || current?.lfs === true || (current?.size ?? 0) > maxCardSize) {
      return;
    }
    const text =
      current === undefined ? '' : (await buffer(this.#blobs.read(current.sha256))).toString('utf8');
    const updated = withLfsRules(text, lfsPaths);
    if (updated === text) {
      return;
    }
    const bytes = Buffer.from(updated);
    const stored = await this.#blobs.write([bytes], { maxSize: bytes.byteLength });
    next.set('.gitattributes', {
      path: '.gitattributes',
      size: stored.size,
      sha256: stored.sha256,
      gitOid: gitBlobSha1(bytes),
      lfs: false,
    });
    changed.add('.gitattributes');
  }

  async #cardOf(readme: DraftFile | undefined): Promise<Record<string, unknown> | null> {
    if (readme === undefined || readme.size > maxCardSize) {
      return null;
    }
    const text = (await buffer(this.#blobs.read(readme.sha256))).toString('utf8');
    return parseCardData(text);
  }
}

/** Refuses a tree where a path would sit inside another path that is a file. */
function assertNoFileInsideFile(files: readonly DraftFile[], next: ReadonlyMap<string, DraftFile>): void {
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
}
