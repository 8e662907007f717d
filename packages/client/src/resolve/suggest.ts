/** Edit distance between two strings (case-insensitive), for "did you mean" hints. */
export function editDistance(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  let previous = Array.from({ length: y.length + 1 }, (_, i) => i);
  for (let i = 1; i <= x.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= y.length; j += 1) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[y.length] ?? 0;
}

/** Up to `limit` candidates closest to `input` (by edit distance, or containing it), best first. */
export function closest(input: string, candidates: readonly string[], limit = 3): string[] {
  const scored = candidates
    .map((c) => {
      const tail = c.includes('/') ? c.slice(c.lastIndexOf('/') + 1) : c;
      const distance = Math.min(editDistance(input, c), editDistance(input, tail));
      const contains =
        c.toLowerCase().includes(input.toLowerCase()) || input.toLowerCase().includes(tail.toLowerCase());
      return { c, score: contains ? Math.min(distance, 1) : distance };
    })
    .filter(({ c, score }) => score <= Math.max(2, Math.floor(c.length / 3)));
  scored.sort((a, b) => a.score - b.score || a.c.localeCompare(b.c));
  return [...new Set(scored.map((s) => s.c))].slice(0, limit);
}

/** "Did you mean a, b?" or undefined. */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const best = closest(input, candidates);
  return best.length === 0 ? undefined : `Did you mean ${best.join(', ')}?`;
}
