import { createHash } from 'node:crypto';
import { buffer } from 'node:stream/consumers';

import { ModelhubError, assertSafeRepoPath, gitBlobSha1 } from '@modelhub/core';

import type { Actor, Commit, Repo, TreeFile } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { withLfsRules } from '../repo/git-attributes.ts';
import { gitOidOf } from '../repo/git-objects.ts';
import { discoveryOf, parseCardData } from '../repo/model-card.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import type { AccessControl } from './access-control.ts';
import type { BlobLedger } from './blob-ledger.ts';
import { buildCommit } from './build-commit.ts';
import type { CommitHeader, CommitOperation } from './commit-operation.ts';
import type { UploadService } from './upload-service.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;
const maxCardSize = 1024 * 1024;

type DraftFile = Omit<TreeFile, 'lastCommit'>;

/**
 * Applies commit operations to a branch, all or nothing: inline files are stored, LFS files must
 * have been uploaded to this repo and verified, `.gitattributes` gains rules for new LFS paths, and
 * the README's front matter becomes the commit's card data. The commit itself is one metadata
 * transaction on the locked branch (MetadataStore.commitToBranch): no in-process lock is needed.
 */
export class CommitService {
  readonly #metadata: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #ledger: BlobLedger;
  readonly #access: AccessControl;
  readonly #uploads: UploadService;

  constructor(
    metadata: MetadataStore,
    blobs: BlobStore,
    ledger: BlobLedger,
    access: AccessControl,
    uploads: UploadService,
  ) {
    this.#metadata = metadata;
    this.#blobs = blobs;
    this.#ledger = ledger;
    this.#access = access;
    this.#uploads = uploads;
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
    // Everything that does not depend on the head is done before the branch is locked: inline
    // files are stored, LFS objects are checked (and pending direct uploads verified).
    const ready = new Map<string, DraftFile>();
    for (const op of operations) {
      const path = op.kind === 'deletedFolder' ? op.path.replace(/\/+$/, '') : op.path;
      assertSafeRepoPath(path);
      if (op.kind === 'file') {
        const stored = await this.#ledger.put([op.content], {
          sha256: createHash('sha256').update(op.content).digest('hex'),
          maxSize: op.content.byteLength,
        });
        ready.set(path, {
          path,
          size: stored.size,
          sha256: stored.sha256,
          gitOid: gitBlobSha1(op.content),
          lfs: false,
        });
      } else if (op.kind === 'lfsFile') {
        const size = await this.#lfsObject(repo, path, op.sha256, op.size);
        ready.set(path, {
          path,
          size,
          sha256: op.sha256,
          gitOid: gitOidOf({ lfs: true, sha256: op.sha256, size }),
          lfs: true,
        });
      }
    }
    // The branch row stays locked while the commit is built on its head: concurrent commits to the
    // branch queue up there (across every registry process), none is lost, and a stale parent
    // commit is refused exactly as huggingface.co does (412).
    return this.#metadata.commitToBranch(repo.id, branch, async (head, headFiles) => {
      if (header.parentCommit !== undefined && header.parentCommit !== head.sha) {
        throw new ModelhubError(
          'STALE_PARENT_COMMIT',
          'A commit has happened since. Please refresh and try again.',
          {
            hint: 'Fetch the new head of the branch, re-apply your changes and commit again.',
            details: { branch, head: head.sha, parentCommit: header.parentCommit },
          },
        );
      }
      const previous = new Map(headFiles.map((f) => [f.path, f]));
      const next = new Map<string, DraftFile>(previous);
      const changed = new Set<string>();
      for (const op of operations) {
        this.#apply(head, op, ready, next, changed);
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
      return {
        commit: built.commit,
        files: built.files,
        discovery: discoveryOf(cardData),
        blobs: [...changed].flatMap((path) => {
          const file = next.get(path);
          return file === undefined ? [] : [file.sha256];
        }),
      };
    });
  }

  /** The size of an LFS object this repo may reference: uploaded to it and verified. */
  async #lfsObject(repo: Repo, path: string, sha256: string, announced: number | undefined): Promise<number> {
    if (!sha256Pattern.test(sha256)) {
      throw new ModelhubError('INVALID_INPUT', `The LFS oid of ${path} is not a sha256.`);
    }
    let size = (await this.#metadata.hasObject(repo.id, sha256))
      ? await this.#ledger.usable(sha256)
      : undefined;
    if (size === undefined) {
      // A client that uploaded straight to the storage and skipped the verify call (the JS client
      // does): its staged bytes are hashed now.
      size = await this.#uploads.finishPending(repo, sha256);
    }
    if (size === undefined) {
      throw new ModelhubError(
        'OBJECT_NOT_VERIFIED',
        `The LFS object ${sha256} for ${path} was not uploaded.`,
        {
          hint: 'Upload the object through the LFS batch endpoint before committing.',
          details: { path, oid: sha256 },
        },
      );
    }
    if (announced !== undefined && announced !== size) {
      throw new ModelhubError(
        'INVALID_INPUT',
        `The LFS object ${sha256} for ${path} has ${size} bytes, not ${announced}.`,
        { details: { path, oid: sha256 } },
      );
    }
    return size;
  }

  /** Applies one operation to the next file list. */
  #apply(
    head: Commit,
    op: CommitOperation,
    ready: ReadonlyMap<string, DraftFile>,
    next: Map<string, DraftFile>,
    changed: Set<string>,
  ): void {
    const path = op.kind === 'deletedFolder' ? op.path.replace(/\/+$/, '') : op.path;
    switch (op.kind) {
      case 'file':
      case 'lfsFile': {
        const file = ready.get(path);
        if (file !== undefined) {
          next.set(path, file);
          changed.add(path);
        }
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
    const stored = await this.#ledger.put([bytes], { maxSize: bytes.byteLength });
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
