import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../../../..');

/**
 * Builds what `npm run build` builds (incrementally): every package's dist/, then the bundle the
 * `hub` launcher runs (scripts/build-cli-bundle.ts). Tests that run bin/hub.js or the built
 * packages call it first, so they never run a bundle older than the sources.
 */
export function buildCli(): void {
  execFileSync(
    process.execPath,
    [join(repoRoot, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
    {
      cwd: repoRoot,
      stdio: 'inherit',
    },
  );
  execFileSync(process.execPath, [join(repoRoot, 'scripts/build-cli-bundle.ts')], {
    cwd: repoRoot,
    stdio: 'inherit',
  });
}
