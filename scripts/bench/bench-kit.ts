// What every benchmark script needs, with nothing but Node built-ins (it loads before the
// re-run under the source condition).
import { spawnSync } from 'node:child_process';

/**
 * Re-runs the calling script under the "@modelhub/source" condition, under which the sibling
 * packages resolve to their TypeScript sources, and exits with its status; returns only inside
 * the re-run. `flags` are extra Node flags for it (e.g. --expose-gc).
 */
export function runFromSources(script: string, flags: readonly string[] = []): void {
  if (process.execArgv.some((a) => a.includes('@modelhub/source'))) {
    return;
  }
  const child = spawnSync(
    process.execPath,
    ['--conditions=@modelhub/source', ...flags, ...process.execArgv, script, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  );
  process.exit(child.status ?? 1);
}

/** The median (the mean of the middle two for an even count; NaN for none). */
export function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  if (sorted.length === 0) {
    return Number.NaN;
  }
  return sorted.length % 2 === 1
    ? (sorted[mid] ?? Number.NaN)
    : ((sorted[mid - 1] ?? Number.NaN) + (sorted[mid] ?? Number.NaN)) / 2;
}
