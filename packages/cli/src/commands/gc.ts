import type { Command } from 'commander';

import { formatBytes, gcCache, parseSize, resolveClientConfig } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** `hub gc [--max-size SIZE] [--dry-run]`. */
export const registerGc: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('gc')
    .description(
      'delete unreferenced blobs and partial downloads; with --max-size, least-recently-used models',
    )
    .option('--max-size <size>', 'shrink the cache to at most SIZE (e.g. 10GB)')
    .option('--dry-run', 'show what would be deleted')
    .action(async (flags: { maxSize?: string; dryRun?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const config = resolveClientConfig(clientOptionsFrom(globals));
      const report = await gcCache(config.cacheRoot, {
        maxSize: flags.maxSize === undefined ? undefined : parseSize(flags.maxSize),
        dryRun: flags.dryRun === true,
      });
      if (globals.json === true) {
        io.stdout(`${JSON.stringify({ cacheRoot: config.cacheRoot, ...report })}\n`);
        return;
      }
      for (const s of report.removedSnapshots) {
        io.stdout(
          `${flags.dryRun === true ? 'would evict' : 'evicted'} ${s.repo}@${s.commit.slice(0, 12)}\n`,
        );
      }
      io.stdout(
        `${flags.dryRun === true ? 'would free' : 'freed'} ${formatBytes(report.freedBytes)} (${report.removedBlobs} unreferenced blobs, ${report.removedPartials} partial downloads); cache ${formatBytes(report.sizeAfter)}\n`,
      );
    });
};
