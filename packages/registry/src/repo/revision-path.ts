/**
 * Splits the raw URL segments after `/resolve/` or `/tree/` into a revision and a file path.
 * Revisions may hold `/` (`refs/pr/1`, branch names): a `%2F`-encoded first segment is taken
 * whole, `refs/pr/<n>` and `refs/convert/<x>` are recognised, and otherwise the longest prefix that
 * names an existing ref wins, falling back to the first segment.
 */
export function splitRevisionPath(
  rawSegments: readonly string[],
  isRef: (name: string) => boolean,
): { revision: string; path: string } {
  const segments = rawSegments.map((s) => decodeURIComponent(s));
  const join = (from: number): string => segments.slice(from).join('/');
  const first = segments[0] ?? '';
  if (first.includes('/')) {
    return { revision: first, path: join(1) };
  }
  if (first === 'refs' && (segments[1] === 'pr' || segments[1] === 'convert') && segments.length >= 3) {
    return { revision: segments.slice(0, 3).join('/'), path: join(3) };
  }
  for (let n = segments.length; n > 1; n--) {
    const candidate = segments.slice(0, n).join('/');
    if (isRef(candidate)) {
      return { revision: candidate, path: join(n) };
    }
  }
  return { revision: first, path: join(1) };
}
