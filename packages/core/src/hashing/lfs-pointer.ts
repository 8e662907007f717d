/**
 * The git-lfs pointer text that stands in the git tree for a large file. The Hub reports the git
 * sha1 of this text as the tree `oid` of an LFS file, and its length as `pointerSize`.
 */
export function lfsPointer(sha256: string, size: number): string {
  return `version https://git-lfs.github.com/spec/v1\noid sha256:${sha256}\nsize ${size}\n`;
}
