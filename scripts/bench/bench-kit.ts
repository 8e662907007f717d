// What every benchmark script needs, with nothing but Node built-ins (it loads before the
// re-run under the source condition).
import { execFile, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';

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

/** What curl reports of one download: the bytes it received and the seconds it took in all. */
export interface CurlTiming {
  readonly bytes: number;
  readonly seconds: number;
}

/**
 * Downloads `url` with curl to /dev/null (rejecting on an HTTP error) and returns curl's own
 * figures: curl is the baseline client whose speed users know, so it times itself.
 * `followRedirects` adds -L (a registry answering 302 to presigned storage URLs).
 */
export async function curlDownload(
  url: string,
  { followRedirects = false }: { readonly followRedirects?: boolean } = {},
): Promise<CurlTiming> {
  const { stdout } = await promisify(execFile)('curl', [
    '-s',
    '-f',
    ...(followRedirects ? ['-L'] : []),
    '-o',
    '/dev/null',
    '-w',
    '%{size_download} %{time_total}',
    url,
  ]);
  const [bytes = '0', seconds = '0'] = stdout.trim().split(' ');
  return { bytes: Number(bytes), seconds: Number(seconds) };
}
