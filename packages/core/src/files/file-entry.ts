import {
  sha1Hex,
  sha256Hex,
  nonEmpty,
  optional,
  type DocumentCheck,
  type DocumentPath,
} from '../schema/document-check.ts';

/**
 * One file of a repository at a commit, with the hashes that identify its content.
 * `gitOid` is the git blob sha1 the Hub reports (of the LFS pointer for LFS files); `sha256` is
 * the content hash, known for LFS files and computed by us for the rest.
 */
export interface FileEntry {
  path: string;
  size: number;
  sha256?: string | undefined;
  gitOid?: string | undefined;
  lfs: boolean;
}

/** Reads a file entry of a document (a lockfile, a bundle manifest); unknown fields are dropped. */
export function readFileEntry(check: DocumentCheck, value: unknown, path: DocumentPath): FileEntry {
  const doc = check.object(value, path);
  const sha256 = optional(doc['sha256'], (v) => check.string(v, [...path, 'sha256'], sha256Hex));
  const gitOid = optional(doc['gitOid'], (v) => check.string(v, [...path, 'gitOid'], sha1Hex));
  return {
    path: check.string(doc['path'], [...path, 'path'], nonEmpty),
    size: check.count(doc['size'], [...path, 'size']),
    ...(sha256 === undefined ? {} : { sha256 }),
    ...(gitOid === undefined ? {} : { gitOid }),
    lfs: check.boolean(doc['lfs'], [...path, 'lfs']),
  };
}

/** The hash a cached blob is named after: sha256 for LFS files, git sha1 otherwise (the Hub's ETag). */
export function blobIdOf(entry: Pick<FileEntry, 'lfs' | 'sha256' | 'gitOid' | 'path'>): string {
  const id = entry.lfs ? entry.sha256 : entry.gitOid;
  if (id === undefined) {
    throw new Error(`${entry.path} has no ${entry.lfs ? 'sha256' : 'git oid'}`);
  }
  return id;
}
