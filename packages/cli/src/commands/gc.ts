import { existsSync } from 'node:fs';

import type { Command } from 'commander';

import { formatBytes, gcCache, parseSize, resolveClientConfig } from '@modelhub/client';

import type { GcReport } from '@modelhub/registry';
import type { FeatureSweep } from '@modelhub/trainer/feature-cache';

import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import { derivedDir, featureCacheFile } from '../library/open-backbone.ts';
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

/**
 * How long derived data is kept unused: edited model graphs (a backbone with its tap as an extra
 * output) and the feature vectors of a backbone setup.
 */
export const DERIVED_UNUSED_DAYS = 30;

/**
 * The derived folder's share of `hub gc`: edited model graphs (each a full copy of its backbone,
 * written again on its next use) that no load used since `unusedSince`, then the load plans that
 * named them.
 */
export async function sweepDerived(
  dir: string,
  unusedSince: Date,
  dryRun: boolean,
): Promise<{ dir: string; removedGraphs: number; freedBytes: number; removedPlans: number }> {
  // Loaded here: only the cache's gc needs them.
  const { sweepTappedModels } = await import('@modelhub/onnx');
  const { pruneLoadPlans } = await import('@modelhub/adapter-onnx/load-plans');
  const graphs = await sweepTappedModels(dir, { unusedSince, dryRun });
  const removedPlans = dryRun ? 0 : await pruneLoadPlans(dir);
  return { dir, removedGraphs: graphs.removed, freedBytes: graphs.freedBytes, removedPlans };
}

/**
 * The feature cache's share of `hub gc`: the vectors of backbone setups (model, tap, pooling,
 * preprocessing) that no `hub train` or `hub eval` used since `unusedSince`. Every candidate of every
 * `hub train` is one setup, so the file only grew before. A cache that was never written is left
 * alone (no empty file is created).
 */
export async function sweepFeatures(
  file: string,
  unusedSince: Date,
  dryRun: boolean,
): Promise<{ file: string } & FeatureSweep> {
  if (!existsSync(file)) {
    return { file, namespaces: 0, vectors: 0, vectorBytes: 0, fileBytesBefore: 0, fileBytesAfter: 0 };
  }
  const { FeatureCache } = await import('@modelhub/trainer/feature-cache');
  const cache = new FeatureCache(file);
  try {
    return { file, ...cache.sweep({ unusedSince, dryRun }) };
  } finally {
    cache.close();
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
      '--derived-days <days>',
      `also delete the edited model graphs and cached feature vectors nothing used for DAYS days (default ${DERIVED_UNUSED_DAYS}; 0: all of them)`,
    )
    .option(
      '--grace <seconds>',
      'registry: keep blobs touched within this many seconds (default 86400)',
      Number,
    )
    .action(
      async (
        flags: BackendFlags & { maxSize?: string; dryRun?: boolean; grace?: number; derivedDays?: string },
      ) => {
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
        const clientOptions = clientOptionsFrom(globals);
        const config = resolveClientConfig(clientOptions);
        const days = flags.derivedDays === undefined ? DERIVED_UNUSED_DAYS : Number(flags.derivedDays);
        if (flags.derivedDays?.trim() === '' || !Number.isFinite(days) || days < 0) {
          throw new ModelhubError(
            'INVALID_ARGUMENT',
            `--derived-days takes a number of days, not "${flags.derivedDays ?? ''}".`,
            {
              hint: `For example --derived-days ${DERIVED_UNUSED_DAYS}, or 0 to delete every edited graph.`,
            },
          );
        }
        const report = await gcCache(config.cacheRoot, {
          maxSize: flags.maxSize === undefined ? undefined : parseSize(flags.maxSize),
          dryRun: flags.dryRun === true,
        });
        const unusedSince = new Date(Date.now() - days * 86_400_000);
        const derived = await sweepDerived(derivedDir(clientOptions), unusedSince, flags.dryRun === true);
        const features = await sweepFeatures(
          featureCacheFile(clientOptions),
          unusedSince,
          flags.dryRun === true,
        );
        if (globals.json === true) {
          io.stdout(`${JSON.stringify({ cacheRoot: config.cacheRoot, ...report, derived, features })}\n`);
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
        io.stdout(
          `${flags.dryRun === true ? 'would free' : 'freed'} ${formatBytes(derived.freedBytes)} of edited model graphs unused for ${days} days (${derived.removedGraphs} graphs${flags.dryRun === true ? '' : `, ${derived.removedPlans} load plans`}) in ${derived.dir}\n`,
        );
        if (features.fileBytesBefore > 0) {
          io.stdout(
            `${flags.dryRun === true ? 'would remove' : 'removed'} ${formatBytes(features.vectorBytes)} of feature vectors unused for ${days} days (${features.vectors} vectors of ${features.namespaces} backbone setups); ${features.file} ${formatBytes(features.fileBytesBefore)}${features.fileBytesAfter === features.fileBytesBefore ? '' : ` → ${formatBytes(features.fileBytesAfter)}`}\n`,
          );
        }
      },
    );
};
