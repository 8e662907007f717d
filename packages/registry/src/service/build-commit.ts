import type { Commit, TreeFile } from '../domain/types.ts';
import { gitCommitSha, gitTreeShas } from '../repo/git-objects.ts';
import type { CommitHeader } from './commit-operation.ts';

/** What a commit is made of before it is written. */
export interface CommitDraft {
  readonly repoId: number;
  readonly parent: Commit | null;
  readonly author: string;
  readonly header: CommitHeader;
  /** The full file list of the new commit. */
  readonly files: readonly Omit<TreeFile, 'lastCommit'>[];
  /** The paths this commit adds or changes. */
  readonly changed: ReadonlySet<string>;
  readonly cardData: Record<string, unknown> | null;
  /** The parent's files, for the `lastCommit` of unchanged paths. */
  readonly previous?: ReadonlyMap<string, TreeFile>;
}

/** Computes a commit's git shas and each file's last commit; writes nothing. */
export function buildCommit(draft: CommitDraft): { commit: Commit; files: TreeFile[] } {
  const trees = gitTreeShas(draft.files.map((f) => ({ path: f.path, oid: f.gitOid })));
  const base = {
    treeSha: trees.get('') ?? '',
    parent: draft.parent?.sha ?? null,
    author: draft.author,
    createdAt: new Date().toISOString(),
    title: draft.header.summary,
    description: draft.header.description,
  };
  const sha = gitCommitSha(base);
  const commit: Commit = { ...base, sha, repoId: draft.repoId, cardData: draft.cardData };
  const files = draft.files.map((f) => ({
    ...f,
    lastCommit: draft.changed.has(f.path) ? sha : (draft.previous?.get(f.path)?.lastCommit ?? sha),
  }));
  return { commit, files };
}
