import { gitBlobSha1 } from '@modelhub/core';

import type { Actor, Repo, RepoQuery, RepoType } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { defaultGitAttributes } from '../repo/lfs-policy.ts';
import type { AccessControl } from './access-control.ts';
import type { BlobLedger } from './blob-ledger.ts';
import { buildCommit } from './build-commit.ts';
import { validName } from './names.ts';
import type { RevisionService } from './revision-service.ts';

/** What creating a repo needs; the namespace defaults to the caller's own. */
export interface CreateRepoRequest {
  readonly type: RepoType;
  readonly namespace?: string;
  readonly name: string;
  readonly private: boolean;
}

/** A listing filter: everything of RepoQuery except visibility, which comes from the actor. */
export type RepoListQuery = Omit<RepoQuery, 'privateNamespaces'>;

/** Repositories as a whole: create, delete, visibility, and listing what an actor may see. */
export class RepoService {
  readonly #metadata: MetadataStore;
  readonly #ledger: BlobLedger;
  readonly #access: AccessControl;
  readonly #revisions: RevisionService;

  constructor(
    metadata: MetadataStore,
    ledger: BlobLedger,
    access: AccessControl,
    revisions: RevisionService,
  ) {
    this.#metadata = metadata;
    this.#ledger = ledger;
    this.#access = access;
    this.#revisions = revisions;
  }

  /** Creates a repo in the actor's namespace or one it may write to (an unknown namespace becomes an org). */
  async create(actor: Actor, request: CreateRepoRequest): Promise<Repo> {
    const who = this.#access.requireAccount(actor);
    const namespace = validName('namespace', request.namespace ?? who.account.name);
    const name = validName('repo name', request.name);
    this.#access.assertCanWrite(actor, namespace);
    if ((await this.#metadata.getAccount(namespace)) === undefined) {
      await this.#metadata.ensureAccount(namespace, 'org');
    }
    return this.createAs(who.account.name, request.type, namespace, name, request.private);
  }

  /** Creates a repo whose first commit holds the default `.gitattributes` (no permission check). */
  async createAs(
    author: string,
    type: RepoType,
    namespace: string,
    name: string,
    isPrivate: boolean,
  ): Promise<Repo> {
    // Every creation path (the API, seeds, tests) goes through here: one place refuses "alice..".
    validName('namespace', namespace);
    validName('repo name', name);
    const attributes = Buffer.from(defaultGitAttributes);
    // The blob is stored before the metadata transaction refers to it; an orphan is harmless.
    const stored = await this.#ledger.put([attributes], { maxSize: attributes.byteLength });
    const file = {
      path: '.gitattributes',
      size: stored.size,
      sha256: stored.sha256,
      gitOid: gitBlobSha1(attributes),
      lfs: false,
    };
    return this.#metadata.createRepo({ type, namespace, name, private: isPrivate }, (repoId) =>
      buildCommit({
        repoId,
        parent: null,
        author,
        header: { summary: 'initial commit', description: '' },
        files: [file],
        changed: new Set([file.path]),
        cardData: null,
      }),
    );
  }

  /** Deletes a repo the actor may write to, with its history and refs. */
  async delete(actor: Actor, type: RepoType, namespace: string, name: string): Promise<void> {
    const repo = await this.#access.writableRepo(actor, type, namespace, name);
    await this.#metadata.deleteRepo(repo.id);
    this.#revisions.forget();
  }

  /**
   * Renames a repo or transfers it to another namespace the actor may write to. History, refs,
   * uploads and aliases follow; the old name answers 404 afterwards and can be used again.
   */
  async move(
    actor: Actor,
    type: RepoType,
    from: { namespace: string; name: string },
    to: { namespace: string; name: string },
  ): Promise<Repo> {
    const repo = await this.#access.writableRepo(actor, type, from.namespace, from.name);
    validName('namespace', to.namespace);
    validName('repo name', to.name);
    this.#access.assertCanWrite(actor, to.namespace);
    if ((await this.#metadata.getAccount(to.namespace)) === undefined) {
      await this.#metadata.ensureAccount(to.namespace, 'org');
    }
    return this.#metadata.moveRepo(repo.id, to);
  }

  /** Makes a repo the actor may write to private or public. */
  async setPrivate(
    actor: Actor,
    type: RepoType,
    namespace: string,
    name: string,
    isPrivate: boolean,
  ): Promise<void> {
    const repo = await this.#access.writableRepo(actor, type, namespace, name);
    await this.#metadata.setPrivate(repo.id, isPrivate);
  }

  /** One page of the repos the actor may see that match the query, and whether more follow. */
  list(actor: Actor, query: RepoListQuery): Promise<{ repos: Repo[]; more: boolean }> {
    return this.#metadata.listRepos({ ...query, privateNamespaces: this.#access.privateNamespaces(actor) });
  }
}
