import type { Command } from 'commander';

import { formatBytes, verifyCache } from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** `hub verify [MODEL] [--repair]`: re-hashes the cache; exit 3 when something stays broken. */
export const registerVerify: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('verify')
    .description('re-hash cached files against their published hashes (and repair them)')
    .argument('[model]', 'only this model (ns/name); default every cached model')
    .option('--repair', 'download corrupt or missing files again')
    .action(async (model: string | undefined, flags: { repair?: boolean }) => {
      const globals = program.opts<GlobalOptions>();
      const report = await verifyCache({
        ...clientOptionsFrom(globals),
        model,
        repair: flags.repair === true,
      });
      if (globals.json !== true) {
        for (const p of report.problems) {
          const where =
            p.paths.map((x) => `${x.path}@${x.commit.slice(0, 12)}`).join(', ') || '(unreferenced)';
          io.stdout(`${p.kind.padEnd(7)}  ${p.repo}  ${where}${p.repaired ? '  repaired' : ''}\n`);
        }
        io.stdout(
          `checked ${report.blobs} files (${formatBytes(report.bytes)}) in ${report.repos} ${report.repos === 1 ? 'model' : 'models'}: ${report.problems.length === 0 ? 'all ok' : `${report.problems.length} problem(s)`}\n`,
        );
      }
      if (!report.ok) {
        throw new ModelhubError(
          'INTEGRITY_MISMATCH',
          `${report.problems.filter((p) => !p.repaired).length} cached file(s) are corrupt or missing.`,
          {
            hint: 'Run hub verify --repair to download them again.',
            details: { report },
          },
        );
      }
      if (globals.json === true) {
        io.stdout(`${JSON.stringify(report)}\n`);
      }
    });
};
