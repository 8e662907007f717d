import type { Command } from 'commander';

import { formatBytes, resolveClientConfig, scanCache } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import { formatTable, timeAgo } from '../output/table.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** `hub ls`: the cached models of the endpoint, with sizes and last use. */
export const registerLs: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('ls')
    .description('list cached models with their size and last use')
    .action(async () => {
      const globals = program.opts<GlobalOptions>();
      const config = resolveClientConfig(clientOptionsFrom(globals));
      const repos = (await scanCache(config.cacheRoot)).filter(
        (r) => r.blobs > 0 || r.partialBytes > 0 || r.snapshots.length > 0,
      );
      if (globals.json === true) {
        io.stdout(
          `${JSON.stringify({
            cacheRoot: config.cacheRoot,
            endpoint: config.endpoint,
            models: repos.map((r) => ({
              repo: r.repo,
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
            { heading: 'SIZE', align: 'right' },
            { heading: 'SNAPSHOTS', align: 'right' },
            { heading: 'REFS' },
            { heading: 'LAST USED' },
            ...(partial ? [{ heading: 'PARTIAL', align: 'right' as const }] : []),
          ],
          repos.map((r) => [
            r.repo,
            formatBytes(r.sizeBytes),
            String(r.snapshots.length),
            Object.keys(r.refs).join(',') || '-',
            timeAgo(r.lastUsed),
            ...(partial ? [r.partialBytes > 0 ? formatBytes(r.partialBytes) : '-'] : []),
          ]),
        ),
      );
      io.stdout(
        `${repos.length} ${repos.length === 1 ? 'model' : 'models'}, ${formatBytes(repos.reduce((n, r) => n + r.sizeBytes, 0))} in ${config.cacheRoot}\n`,
      );
    });
};
