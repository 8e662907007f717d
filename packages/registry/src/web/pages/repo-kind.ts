import type { Repo } from '../../domain/types.ts';

/** The tag `hub train` writes into a head's card. */
export const headTag = 'modelhub-head';

/** A head (a trained output layer over a pinned base) or a backbone (any other model). */
export type RepoKind = 'head' | 'backbone';

/** The kind of a repo, from the tags of its card at the default branch. */
export function repoKind(repo: Repo): RepoKind {
  return repo.discovery.tags.includes(headTag) ? 'head' : 'backbone';
}

/** The library facet of a repo (`onnx`, `tfjs`…), from `library_name` or the tags. */
export function libraryOf(repo: Repo): string | undefined {
  return repo.discovery.libraryName ?? (repo.discovery.tags.includes('tfjs') ? 'tfjs' : undefined);
}

/** The base model a repo names in its card (`base_model:ns/name` tag), if any. */
export function baseModelOf(repo: Repo): string | undefined {
  const tag = repo.discovery.tags.find((t) => t.startsWith('base_model:'));
  return tag?.slice('base_model:'.length);
}
