/** The kinds of repository the Hub protocol knows. */
export type RepoType = 'model' | 'dataset' | 'space';

/** A user or an organisation: both own a namespace. */
export interface Account {
  readonly id: number;
  readonly name: string;
  readonly type: 'user' | 'org';
  /** Admins read and write every namespace (the test registry's admin token, operators). */
  readonly isAdmin: boolean;
  readonly createdAt: string;
}

/** A stored access token (the secret itself is never kept, only its sha256). */
export interface AccessToken {
  readonly id: number;
  readonly account: string;
  readonly role: 'read' | 'write';
  readonly displayName: string;
  readonly createdAt: string;
  /** When the token last authenticated a request (to the minute), or null if never. */
  readonly lastUsedAt?: string | null;
}

/** A browser session opened on the web pages by pasting a token (only the id's sha256 is kept). */
export interface WebSession {
  readonly idHash: string;
  /** The pasted token: the session has its rights, and ends when it is revoked. */
  readonly tokenId: number;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** Discovery fields derived from the model card at the head of the default branch. */
export interface RepoDiscovery {
  readonly libraryName: string | null;
  readonly pipelineTag: string | null;
  readonly tags: readonly string[];
}

/** One repository's metadata. */
export interface Repo {
  readonly id: number;
  readonly type: RepoType;
  readonly namespace: string;
  readonly name: string;
  readonly private: boolean;
  readonly createdAt: string;
  readonly lastModified: string;
  readonly downloads: number;
  readonly discovery: RepoDiscovery;
}

/** A file as it appears in one commit's tree. */
export interface TreeFile {
  readonly path: string;
  /** The real content size (for LFS files too). */
  readonly size: number;
  /** sha256 of the content: the blob-store key, and the LFS oid. */
  readonly sha256: string;
  /** The git oid: blob sha1 of the content (regular) or of the LFS pointer text (LFS). */
  readonly gitOid: string;
  readonly lfs: boolean;
  /** The commit that last changed this path. */
  readonly lastCommit: string;
}

/** One commit. Every commit stores its full file list (a snapshot), so reads never walk history. */
export interface Commit {
  readonly sha: string;
  readonly repoId: number;
  readonly parent: string | null;
  readonly title: string;
  readonly description: string;
  readonly author: string;
  readonly createdAt: string;
  readonly treeSha: string;
  /** README.md YAML front matter at this commit, if any. */
  readonly cardData: Readonly<Record<string, unknown>> | null;
}

/** A named pointer to a commit. */
export interface Ref {
  readonly kind: 'branch' | 'tag';
  readonly name: string;
  readonly commit: string;
}

/** A short name that stands for a repository (a modelhub extension to the Hub API). */
export interface Alias {
  readonly name: string;
  readonly repoType: RepoType;
  readonly repo: string;
  readonly revision: string | null;
}

/** Who is calling: nobody, or the owner of a valid token. */
export type Actor =
  | { readonly kind: 'anonymous' }
  | {
      readonly kind: 'account';
      readonly account: Account;
      readonly orgs: readonly string[];
      readonly token: AccessToken;
    };

/** The sort keys `listModels` accepts. */
export type RepoSort = 'id' | 'createdAt' | 'lastModified' | 'downloads' | 'likes';

/** A search over repositories, already narrowed to what the caller may see. */
export interface RepoQuery {
  readonly type: RepoType;
  readonly search?: string;
  readonly author?: string;
  readonly tags: readonly string[];
  /** Repos carrying any of these tags are left out (e.g. `modelhub-head` to list backbones). */
  readonly excludeTags?: readonly string[];
  readonly pipelineTag?: string;
  readonly sort: RepoSort;
  readonly descending: boolean;
  readonly offset: number;
  readonly limit: number;
  /** Namespaces whose private repos the caller may see; `'*'` for admins. */
  readonly privateNamespaces: readonly string[] | '*';
}

/** The filter part of a {@link RepoQuery}: what `countRepos` counts. */
export type RepoFilter = Omit<RepoQuery, 'sort' | 'descending' | 'offset' | 'limit'>;
