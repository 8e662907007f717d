import { ModelhubError } from '@modelhub/core';

import type { Actor, Alias } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { AccessControl } from './access-control.ts';
import { validName } from './names.ts';

/** Short names that stand for a model repo (a modelhub extension to the Hub API). */
export class AliasService {
  readonly #metadata: MetadataStore;
  readonly #access: AccessControl;

  constructor(metadata: MetadataStore, access: AccessControl) {
    this.#metadata = metadata;
    this.#access = access;
  }

  /** Points `name` at a model repo (and optionally a revision); operators only, no permission check. */
  async set(name: string, repoId: string, revision: string | null = null): Promise<Alias> {
    validName('alias', name);
    const [namespace = '', repoName = '', ...rest] = repoId.split('/');
    if (rest.length > 0) {
      throw new ModelhubError(
        'INVALID_ARGUMENT',
        `${JSON.stringify(repoId)} is not a repo (namespace/name).`,
        {
          hint: 'Point the alias at namespace/name, e.g. hub alias set ocr modelhub/ppocr-rec.',
        },
      );
    }
    validName('namespace', namespace);
    validName('repo name', repoName);
    if ((await this.#metadata.getRepo('model', namespace, repoName)) === undefined) {
      throw new ModelhubError('REPO_NOT_FOUND', `Repository ${repoId} not found.`, {
        hint: 'Create or seed the repository before aliasing it.',
      });
    }
    const alias: Alias = { name, repoType: 'model', repo: repoId, revision };
    await this.#metadata.setAlias(alias);
    return alias;
  }

  /** An alias whose repo the actor can read, else ALIAS_NOT_FOUND. */
  async get(actor: Actor, name: string): Promise<Alias> {
    const alias = await this.#metadata.getAlias(name);
    const [namespace = '', repoName = ''] = alias?.repo.split('/') ?? [];
    const repo =
      alias === undefined ? undefined : await this.#metadata.getRepo(alias.repoType, namespace, repoName);
    if (alias === undefined || repo === undefined || !this.#access.canRead(actor, repo)) {
      throw new ModelhubError('ALIAS_NOT_FOUND', `Alias ${name} not found.`, {
        hint: 'Run `hub search` to find a model by name.',
        details: { alias: name },
      });
    }
    return alias;
  }
}
