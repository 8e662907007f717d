import { ModelhubError } from '@modelhub/core';

import type { Actor, Repo } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { AccessControl } from './access-control.ts';
import { validRefName } from './names.ts';
import type { RevisionService } from './revision-service.ts';

/** Creating and moving branches and tags (reading them is RevisionService's job). */
export class RefService {
  readonly #metadata: MetadataStore;
  readonly #access: AccessControl;
  readonly #revisions: RevisionService;

  constructor(metadata: MetadataStore, access: AccessControl, revisions: RevisionService) {
    this.#metadata = metadata;
    this.#access = access;
    this.#revisions = revisions;
  }

  /** Creates a branch at a revision (default `main`), or moves it there when `overwrite` is set. */
  async createBranch(
    actor: Actor,
    repo: Repo,
    branch: string,
    startingPoint: string | undefined,
    overwrite: boolean,
  ): Promise<void> {
    this.#access.assertCanWrite(actor, repo.namespace);
    validRefName('branch', branch);
    if (!overwrite && (await this.#metadata.getRef(repo.id, 'branch', branch)) !== undefined) {
      throw new ModelhubError('CONFLICT', `Branch ${branch} already exists.`);
    }
    const commit = await this.#revisions.resolve(repo, startingPoint ?? 'main');
    await this.#metadata.setRef(repo.id, { kind: 'branch', name: branch, commit: commit.sha });
  }

  /** Tags a revision. */
  async createTag(actor: Actor, repo: Repo, tag: string, revision: string): Promise<void> {
    this.#access.assertCanWrite(actor, repo.namespace);
    validRefName('tag', tag);
    if ((await this.#metadata.getRef(repo.id, 'tag', tag)) !== undefined) {
      throw new ModelhubError('CONFLICT', `Tag ${tag} already exists.`);
    }
    const commit = await this.#revisions.resolve(repo, revision);
    await this.#metadata.setRef(repo.id, { kind: 'tag', name: tag, commit: commit.sha });
  }

  /** Deletes a branch; the default branch `main` stays. */
  async deleteBranch(actor: Actor, repo: Repo, branch: string): Promise<void> {
    this.#access.assertCanWrite(actor, repo.namespace);
    if (branch === 'main') {
      throw new ModelhubError('INVALID_ARGUMENT', 'The default branch main cannot be deleted.', {
        hint: 'Delete the repository instead, or commit to main.',
      });
    }
    if (!(await this.#metadata.deleteRef(repo.id, 'branch', branch))) {
      throw refNotFound(repo, 'branch', branch);
    }
  }

  /** Deletes a tag (the commit it named stays). */
  async deleteTag(actor: Actor, repo: Repo, tag: string): Promise<void> {
    this.#access.assertCanWrite(actor, repo.namespace);
    if (!(await this.#metadata.deleteRef(repo.id, 'tag', tag))) {
      throw refNotFound(repo, 'tag', tag);
    }
  }
}

function refNotFound(repo: Repo, kind: 'branch' | 'tag', name: string): ModelhubError {
  return new ModelhubError('REVISION_NOT_FOUND', `Invalid rev id: ${name} is not a ${kind} of this repo.`, {
    hint: `List the repo's refs to see its ${kind === 'branch' ? 'branches' : 'tags'}.`,
    details: { repo: `${repo.namespace}/${repo.name}`, revision: name },
  });
}
