const lfsAttributes = 'filter=lfs diff=lfs merge=lfs -text';

function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] ?? '';
    if (c === '*' && pattern[i + 1] === '*') {
      out += '.*';
      i += 1;
    } else if (c === '*') {
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (pattern.startsWith('[[:space:]]', i)) {
      out += '\\s';
      i += '[[:space:]]'.length - 1;
    } else {
      out += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${out}$`);
}

/** Whether a `.gitattributes` text routes `path` through LFS (the last matching line wins). */
export function tracksWithLfs(gitattributes: string, path: string): boolean {
  let tracked = false;
  const base = path.slice(path.lastIndexOf('/') + 1);
  for (const line of gitattributes.split(/\r?\n/)) {
    const [pattern, ...attributes] = line.trim().split(/\s+/);
    if (pattern === undefined || pattern === '' || pattern.startsWith('#')) {
      continue;
    }
    const anchored = pattern.includes('/');
    const matches = globToRegExp(pattern.replace(/^\//, '')).test(anchored ? path : base);
    if (!matches) {
      continue;
    }
    if (attributes.includes('filter=lfs')) {
      tracked = true;
    } else if (attributes.includes('-filter') || attributes.includes('!filter')) {
      tracked = false;
    }
  }
  return tracked;
}

/**
 * `.gitattributes` with a tracking line added for each LFS path it does not cover yet (the Hub
 * does this on commit, so git clones get pointers where the API stored LFS objects).
 */
export function withLfsRules(gitattributes: string, lfsPaths: readonly string[]): string {
  const missing = lfsPaths.filter((path) => !tracksWithLfs(gitattributes, path));
  if (missing.length === 0) {
    return gitattributes;
  }
  const lines = missing.map((path) => `${path.replace(/\s/g, '[[:space:]]')} ${lfsAttributes}`);
  const prefix = gitattributes === '' || gitattributes.endsWith('\n') ? gitattributes : `${gitattributes}\n`;
  return `${prefix}${lines.join('\n')}\n`;
}
