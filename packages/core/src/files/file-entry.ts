import * as z from 'zod';

/**
 * One file of a repository at a commit, with the hashes that identify its content.
 * `gitOid` is the git blob sha1 the Hub reports (of the LFS pointer for LFS files); `sha256` is
 * the content hash, known for LFS files and computed by us for the rest.
 */
export const FileEntrySchema = z.object({
  path: z.string().min(1),
  size: z.number().int().nonnegative(),
  sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  gitOid: z
    .string()
    .regex(/^[0-9a-f]{40}$/)
    .optional(),
  lfs: z.boolean(),
});

export type FileEntry = z.infer<typeof FileEntrySchema>;

/** The hash a cached blob is named after: sha256 for LFS files, git sha1 otherwise (the Hub's ETag). */
export function blobIdOf(entry: Pick<FileEntry, 'lfs' | 'sha256' | 'gitOid' | 'path'>): string {
  const id = entry.lfs ? entry.sha256 : entry.gitOid;
  if (id === undefined) {
    throw new Error(`${entry.path} has no ${entry.lfs ? 'sha256' : 'git oid'}`);
  }
  return id;
}
