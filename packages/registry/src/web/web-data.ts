import { createHash, randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';

import type {
  AccessToken,
  Account,
  Actor,
  Commit,
  Ref,
  Repo,
  RepoFilter,
  RepoQuery,
  TreeFile,
} from '../domain/types.ts';
import type { Registry } from '../service/registry.ts';
import { CardCache } from './card/card-cache.ts';
import { renderCard, type RenderedCard } from './card/render-card.ts';

/** How long a browser session lasts. */
export const sessionLifetimeMs = 30 * 24 * 3600 * 1000;

/** A logged-in browser: the account, its token's rights, and the session. */
export type SessionActor = Extract<Actor, { kind: 'account' }> & { readonly sessionHash: string };

/** The sha256 of a session id: only the hash is stored, so a database leak opens no session. */
export function hashSessionId(id: string): string {
  return createHash('sha256').update(id).digest('hex');
}

/**
 * What the web pages read and change, in one place: the same registry services the JSON API
 * calls (never the API over HTTP), with the same permission checks, plus the rendered-card cache.
 */
export class WebData {
  readonly registry: Registry;
  readonly #cards = new CardCache();

  constructor(registry: Registry) {
    this.registry = registry;
  }

  // ---- sessions and tokens -------------------------------------------------------------------

  /** Who holds a pasted token (AUTH_INVALID_TOKEN if nobody). */
  authenticateToken(token: string): Promise<Actor> {
    return this.registry.access.authenticate(`Bearer ${token.trim()}`);
  }

  /** Opens a session with the token's rights; returns the session id for the cookie. */
  async openSession(token: AccessToken, now = new Date()): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.registry.metadata.createWebSession({
      idHash: hashSessionId(id),
      tokenId: token.id,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + sessionLifetimeMs).toISOString(),
    });
    return id;
  }

  /** The account behind a session cookie, if the session is open and its token not revoked. */
  async sessionActor(id: string, now = new Date()): Promise<SessionActor | undefined> {
    const sessionHash = hashSessionId(id);
    const found = await this.registry.metadata.findWebSession(sessionHash, now.toISOString());
    if (found === undefined) {
      return undefined;
    }
    this.registry.access.noteTokenUse(found.token, now);
    return {
      kind: 'account',
      account: found.account,
      orgs: await this.registry.metadata.orgsOf(found.account.name),
      token: found.token,
      sessionHash,
    };
  }

  closeSession(sessionHash: string): Promise<void> {
    return this.registry.metadata.deleteWebSession(sessionHash);
  }

  listTokens(account: string): Promise<AccessToken[]> {
    return this.registry.metadata.listTokens(account);
  }

  /** Creates a token and returns its secret (shown once, never stored). */
  createToken(account: string, role: 'read' | 'write', name: string): Promise<string> {
    return this.registry.access.createToken(account, role, { displayName: name });
  }

  revokeToken(account: string, tokenId: number): Promise<boolean> {
    return this.registry.metadata.deleteToken(account, tokenId);
  }

  // ---- repos ---------------------------------------------------------------------------------

  account(name: string): Promise<Account | undefined> {
    return this.registry.metadata.getAccount(name);
  }

  /** A model repo the actor may read, else REPO_NOT_FOUND (private repos are not revealed). */
  repo(actor: Actor, namespace: string, name: string): Promise<Repo> {
    return this.registry.access.readableRepo(actor, 'model', namespace, name);
  }

  /** A readable repo, or undefined when it is missing or hidden from the actor. */
  async repoIfReadable(actor: Actor, id: string): Promise<Repo | undefined> {
    const [namespace = '', name = '', ...rest] = id.split('/');
    if (rest.length > 0) {
      return undefined;
    }
    const repo = await this.registry.metadata.getRepo('model', namespace, name);
    return repo !== undefined && this.registry.access.canRead(actor, repo) ? repo : undefined;
  }

  /** One page of model repos the actor may see, and how many match in all. */
  async search(
    actor: Actor,
    query: Omit<RepoQuery, 'privateNamespaces' | 'type'>,
  ): Promise<{ repos: Repo[]; more: boolean; total: number }> {
    const privateNamespaces = this.registry.access.privateNamespaces(actor);
    const filter: RepoFilter = {
      type: 'model',
      privateNamespaces,
      tags: query.tags,
      ...(query.search === undefined ? {} : { search: query.search }),
      ...(query.author === undefined ? {} : { author: query.author }),
      ...(query.pipelineTag === undefined ? {} : { pipelineTag: query.pipelineTag }),
      ...(query.excludeTags === undefined ? {} : { excludeTags: query.excludeTags }),
    };
    const [page, total] = await Promise.all([
      this.registry.metadata.listRepos({
        ...filter,
        sort: query.sort,
        descending: query.descending,
        offset: query.offset,
        limit: query.limit,
      }),
      this.registry.metadata.countRepos(filter),
    ]);
    return { ...page, total };
  }

  resolve(repo: Repo, revision: string): Promise<Commit> {
    return this.registry.revisions.resolve(repo, revision);
  }

  refs(repo: Repo): Promise<Ref[]> {
    return this.registry.revisions.refs(repo);
  }

  /** The history of a revision, newest first, one page at a time. */
  history(
    repo: Repo,
    revision: string,
    page: { offset: number; limit: number },
  ): Promise<{ readonly commits: readonly Commit[]; readonly more: boolean }> {
    return this.registry.revisions.history(repo, revision, page);
  }

  /** A commit of the repo by full sha, or undefined. */
  commit(repo: Repo, sha: string): Promise<Commit | undefined> {
    return this.registry.revisions.commit(repo, sha);
  }

  files(commit: Commit): Promise<TreeFile[]> {
    return this.registry.revisions.files(commit);
  }

  file(commit: Commit, path: string): Promise<TreeFile> {
    return this.registry.revisions.file(commit, path);
  }

  /** The first `maxBytes` of a file's content. */
  async readBytes(file: TreeFile, maxBytes: number): Promise<Buffer> {
    if (file.size === 0) {
      return Buffer.alloc(0);
    }
    if (file.size <= maxBytes && this.registry.smallBlobs.accepts(file.size)) {
      return this.registry.smallBlobs.get(file.sha256, file.size);
    }
    const end = Math.min(file.size, maxBytes) - 1;
    return buffer(this.registry.blobs.read(file.sha256, { start: 0, end }));
  }

  /** The model card of a commit, rendered once per commit. */
  async card(repo: Repo, commit: Commit, readme: TreeFile): Promise<RenderedCard> {
    return this.#cards.get(`${repo.id}:${repo.createdAt}:${commit.sha}`, async () => {
      const text = (await this.readBytes(readme, 512 * 1024)).toString('utf8');
      return renderCard(text, { repoPath: `/${repo.namespace}/${repo.name}`, commit: commit.sha });
    });
  }
}
