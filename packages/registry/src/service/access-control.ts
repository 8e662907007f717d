import { ModelhubError } from '@modelhub/core';

import { generateAccessToken, hashAccessToken } from '../auth/access-token.ts';
import type { AccessToken, Account, Actor, Repo, RepoType } from '../domain/types.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import { validName } from './names.ts';

/** An actor holding a valid token. */
export type AccountActor = Extract<Actor, { kind: 'account' }>;

function repoNotFound(actor: Actor, id: string): ModelhubError {
  return new ModelhubError('REPO_NOT_FOUND', `Repository ${id} not found.`, {
    hint: 'Check the name, and pass a token that can read it if it is private.',
    details: { repo: id, anonymous: actor.kind === 'anonymous' },
  });
}

/**
 * Who the caller is and what they may read or write: tokens, the actor behind an Authorization
 * header, and the visibility rules every other service and page relies on. A private repo the
 * actor cannot read is reported as not found, never as forbidden.
 */
export class AccessControl {
  readonly #metadata: MetadataStore;

  constructor(metadata: MetadataStore) {
    this.#metadata = metadata;
  }

  /** Creates a token for `account` (creating the user if needed) and returns the secret once. */
  async createToken(
    account: string,
    role: 'read' | 'write',
    options: { admin?: boolean; displayName?: string } = {},
  ): Promise<string> {
    validName('user name', account);
    await this.#metadata.ensureAccount(account, 'user', options.admin === true ? { admin: true } : {});
    const token = generateAccessToken();
    await this.#metadata.insertToken(
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
      match?.[1] === undefined ? undefined : await this.#metadata.findToken(hashAccessToken(match[1]));
    if (found === undefined) {
      throw new ModelhubError('AUTH_INVALID_TOKEN', 'Invalid credentials in Authorization header', {
        hint: 'Create a token with `hub token create` and pass it as a Bearer token.',
      });
    }
    this.noteTokenUse(found.token);
    return {
      kind: 'account',
      account: found.account,
      orgs: await this.#metadata.orgsOf(found.account.name),
      token: found.token,
    };
  }

  /**
   * Records that a token was used, at most once a minute per token, without waiting for the write
   * (the tokens page shows "last used"; a failed write must never fail the request).
   */
  noteTokenUse(token: AccessToken, now = new Date()): void {
    const last = token.lastUsedAt == null ? 0 : Date.parse(token.lastUsedAt);
    if (now.getTime() - last >= 60_000) {
      this.#metadata.touchToken(token.id, now.toISOString()).catch(() => undefined);
    }
  }

  /** The organisations the actor belongs to, as accounts (none for anonymous callers). */
  async organisations(actor: Actor): Promise<Account[]> {
    if (actor.kind === 'anonymous') {
      return [];
    }
    const orgs = await Promise.all(actor.orgs.map((name) => this.#metadata.getAccount(name)));
    return orgs.filter((a): a is Account => a !== undefined);
  }

  /** The actor if it holds a token, else AUTH_REQUIRED. */
  requireAccount(actor: Actor): AccountActor {
    if (actor.kind === 'anonymous') {
      throw new ModelhubError('AUTH_REQUIRED', 'This call needs an access token.', {
        hint: 'Pass a token created with `hub token create`.',
      });
    }
    return actor;
  }

  /** Whether the actor may read the repo (public, or private in one of its namespaces). */
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

  /** Whether the actor holds a write token for `namespace` (its own, an organisation's, or any as admin). */
  canWrite(actor: Actor, namespace: string): boolean {
    return (
      actor.kind === 'account' &&
      actor.token.role === 'write' &&
      (actor.account.isAdmin || actor.account.name === namespace || actor.orgs.includes(namespace))
    );
  }

  /** Throws AUTH_REQUIRED or AUTH_FORBIDDEN unless the actor may write to `namespace`. */
  assertCanWrite(actor: Actor, namespace: string): AccountActor {
    const who = this.requireAccount(actor);
    if (who.token.role !== 'write') {
      throw new ModelhubError('AUTH_FORBIDDEN', 'This token is read-only.', {
        hint: 'Create a token with `hub token create --write`.',
      });
    }
    if (!this.canWrite(who, namespace)) {
      throw new ModelhubError(
        'AUTH_FORBIDDEN',
        `${who.account.name} cannot write to the namespace ${namespace}.`,
        {
          hint: 'Write to your own namespace or to an organisation you belong to.',
        },
      );
    }
    return who;
  }

  /** The namespaces whose private repos the actor may list. */
  privateNamespaces(actor: Actor): readonly string[] | '*' {
    if (actor.kind === 'anonymous') {
      return [];
    }
    return actor.account.isAdmin ? '*' : [actor.account.name, ...actor.orgs];
  }

  /** A repo the actor may read, else REPO_NOT_FOUND (private repos are not revealed). */
  async readableRepo(actor: Actor, type: RepoType, namespace: string, name: string): Promise<Repo> {
    const repo = await this.#metadata.getRepo(type, namespace, name);
    if (repo === undefined || !this.canRead(actor, repo)) {
      throw repoNotFound(actor, `${namespace}/${name}`);
    }
    return repo;
  }

  /** A repo the actor may write to: REPO_NOT_FOUND if it cannot read it, else AUTH_* if it cannot write. */
  async writableRepo(actor: Actor, type: RepoType, namespace: string, name: string): Promise<Repo> {
    const repo = await this.readableRepo(actor, type, namespace, name);
    this.assertCanWrite(actor, namespace);
    return repo;
  }
}
