import type { Command } from 'commander';

import {
  cacheRootFor,
  formatBytes,
  importsFile,
  readImports,
  resolveClientConfig,
  scanCache,
  type CachedRepo,
  type ClientConfig,
} from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import { formatTable, timeAgo } from '../output/table.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** A cached model and the registry whose cache folder holds it. */
type ListedRepo = CachedRepo & { readonly endpoint: string; readonly root: string };

/**
 * The configured registry's cached models, then those of every registry a bundle was imported
 * from (an offline machine uses them whatever endpoint is configured: see `imported-models.ts`).
 */
async function listCached(config: ClientConfig, cacheDir: string | undefined): Promise<ListedRepo[]> {
  const imported = (await readImports(importsFile(cacheDir, config.env))).map((m) => m.endpoint);
  const roots = new Map<string, string>([[config.cacheRoot, config.endpoint]]);
  for (const endpoint of imported) {
    const root = cacheRootFor(endpoint, cacheDir, config.env);
    if (!roots.has(root)) {
      roots.set(root, endpoint);
    }
  }
  const listed: ListedRepo[] = [];
  for (const [root, endpoint] of roots) {
    for (const repo of await scanCache(root)) {
      if (repo.blobs > 0 || repo.partialBytes > 0 || repo.snapshots.length > 0) {
        listed.push({ ...repo, endpoint, root });
      }
    }
  }
  return listed;
}

/** `hub ls`: the cached models of the endpoint (and imported ones), with sizes and last use. */
export const registerLs: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('ls')
    .description('list cached models with their size and last use')
    .action(async () => {
      const globals = program.opts<GlobalOptions>();
      const config = resolveClientConfig(clientOptionsFrom(globals));
      const repos = await listCached(config, globals.cacheDir);
      // The REGISTRY column only when some model comes from another registry than the configured one.
      const registries = repos.some((r) => r.endpoint !== config.endpoint);
      if (globals.json === true) {
        io.stdout(
          `${JSON.stringify({
            cacheRoot: config.cacheRoot,
            endpoint: config.endpoint,
            models: repos.map((r) => ({
              repo: r.repo,
              endpoint: r.endpoint,
              sizeBytes: r.sizeBytes,
              partialBytes: r.partialBytes,
              blobs: r.blobs,
              refs: r.refs,
              snapshots: r.snapshots.map((s) => ({
                commit: s.commit,
                files: s.files,
                lastUsed: s.lastUsed.toISOString(),
              })),
              lastUsed: r.lastUsed.toISOString(),
            })),
          })}\n`,
        );
        return;
      }
      if (repos.length === 0) {
        io.stderr(`no cached models in ${config.cacheRoot}\n`);
        return;
      }
      // The PARTIAL column only when some model has an interrupted download waiting to resume.
      const partial = repos.some((r) => r.partialBytes > 0);
      io.stdout(
        formatTable(
          [
            { heading: 'MODEL' },
            ...(registries ? [{ heading: 'REGISTRY' }] : []),
            { heading: 'SIZE', align: 'right' },
            { heading: 'SNAPSHOTS', align: 'right' },
            { heading: 'REFS' },
            { heading: 'LAST USED' },
            ...(partial ? [{ heading: 'PARTIAL', align: 'right' as const }] : []),
          ],
          repos.map((r) => [
            r.repo,
            ...(registries ? [r.endpoint] : []),
            formatBytes(r.sizeBytes),
            String(r.snapshots.length),
            Object.keys(r.refs).join(',') || '-',
            timeAgo(r.lastUsed),
            ...(partial ? [r.partialBytes > 0 ? formatBytes(r.partialBytes) : '-'] : []),
          ]),
        ),
      );
      io.stdout(
        `${repos.length} ${repos.length === 1 ? 'model' : 'models'}, ${formatBytes(repos.reduce((n, r) => n + r.sizeBytes, 0))} in ${[...new Set(repos.map((r) => r.root))].join(', ')}\n`,
      );
    });
};
