/** One change in a commit, already decoded from the wire. */
export type CommitOperation =
  | { readonly kind: 'file'; readonly path: string; readonly content: Uint8Array }
  | { readonly kind: 'lfsFile'; readonly path: string; readonly sha256: string; readonly size?: number }
  | { readonly kind: 'deletedFile'; readonly path: string }
  | { readonly kind: 'deletedFolder'; readonly path: string };

/** The commit message and the head it expects to extend. */
export interface CommitHeader {
  readonly summary: string;
  readonly description: string;
  readonly parentCommit?: string;
}
