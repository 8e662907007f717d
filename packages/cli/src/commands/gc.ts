import type { Command } from 'commander';

import { formatBytes, gcCache, parseSize, resolveClientConfig } from '@modelhub/client';

import type { GcReport } from '@modelhub/registry';

import { clientOptionsFrom } from '../context/client-context.ts';
import { backendsFrom, withBackendFlags, type BackendFlags } from '../context/registry-backends.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** Garbage collection of a registry you serve: blobs no commit references, abandoned uploads. */
export async function runRegistryGc(flags: BackendFlags & { grace?: number }): Promise<GcReport> {
  // Loaded here: the cache's gc must not pay for the registry's modules.
  const { openRegistry } = await import('@modelhub/registry');
  const registry = await openRegistry(backendsFrom(flags), {
    ...flags.tunables,
    ...(flags.grace === undefined ? {} : { gcGraceSeconds: flags.grace }),
  });
  try {
    return await registry.gc.run();
  } finally {
    await registry.close();
  }
}

/** `hub gc [--max-size SIZE] [--dry-run]` for the cache; with --data or --metadata/--blobs, for a registry. */
export const registerGc: CommandRegistrar = (program: Command, io: Io) => {
  withBackendFlags(
    program
      .command('gc')
      .description(
        'delete unreferenced blobs and partial downloads; with --max-size, least-recently-used models; with --data or --metadata/--blobs, the blobs of a registry you serve that no commit references',
      ),
  )
    .option('--max-size <size>', 'shrink the cache to at most SIZE (e.g. 10GB)')
    .option('--dry-run', 'show what would be deleted')
    .option(
      '--grace <seconds>',
      'registry: keep blobs touched within this many seconds (default 86400)',
      Number,
    )
    .action(async (flags: BackendFlags & { maxSize?: string; dryRun?: boolean; grace?: number }) => {
      const globals = program.opts<GlobalOptions>();
      if (flags.data !== undefined || flags.metadata !== undefined || flags.blobs !== undefined) {
        const report = await runRegistryGc(flags);
        io.stdout(
          globals.json === true
            ? `${JSON.stringify(report)}\n`
            : report.leader
              ? `deleted ${report.deletedBlobs} blobs (${formatBytes(report.freedBytes)}), swept ${report.sweptUploads} abandoned uploads\n`
              : 'another process is collecting garbage right now; nothing done\n',
        );
        return;
      }
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
