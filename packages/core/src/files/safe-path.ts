import { ModelhubError } from '../errors/modelhub-error.ts';

/**
 * Checks that a repository file path is relative, uses `/` separators and cannot climb out of its
 * folder. Registries and caches call it on every path that comes from the network or from a user.
 */
export function assertSafeRepoPath(path: string): string {
  const bad = (why: string): ModelhubError =>
    new ModelhubError('INVALID_ARGUMENT', `Refusing the file path ${JSON.stringify(path)}: ${why}.`, {
      hint: 'Repository paths are relative, use "/" and contain no "." or ".." segments.',
      details: { path },
    });
  if (path.length === 0 || path.length > 1024) {
    throw bad('its length must be between 1 and 1024 characters');
  }
  if (path.includes('\0')) {
    throw bad('it contains a NUL byte');
  }
  if (path.includes('\\')) {
    throw bad('it contains a backslash');
  }
  if (path.startsWith('/') || /^[A-Za-z]:/.test(path)) {
    throw bad('it is absolute');
  }
  for (const segment of path.split('/')) {
    if (segment === '' || segment === '.' || segment === '..') {
      throw bad(`it has a "${segment}" segment`);
    }
  }
  return path;
}
