import type { Command } from 'commander';

import { formatBytes, info } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** `hub info MODEL [--revision REV]`: the repo, the commit a revision points to, and its files. */
export const registerInfo: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('info')
    .description('show a model: commit, library, tags and files with sizes')
    .argument('<model>', 'ns/name[@rev] or an alias')
    .option('--revision <rev>', 'branch, tag or commit when MODEL names none')
    .action(async (model: string, flags: { revision?: string }) => {
      const globals = program.opts<GlobalOptions>();
      const details = await info(model, { ...clientOptionsFrom(globals), revision: flags.revision });
      if (globals.json === true) {
        io.stdout(`${JSON.stringify(details)}\n`);
        return;
      }
      io.stdout(`${details.repo}@${details.revision} commit ${details.commit}\n`);
      io.stdout(
        `library ${details.library ?? '-'}  task ${details.pipelineTag ?? '-'}  downloads ${details.downloads}\n`,
      );
      if (details.tags.length > 0) {
        io.stdout(`tags ${details.tags.join(', ')}\n`);
      }
      for (const f of details.files) {
        io.stdout(`  ${formatBytes(f.size).padStart(9)}  ${f.lfs ? 'lfs ' : '    '}  ${f.path}\n`);
      }
      io.stdout(`${details.files.length} files, ${formatBytes(details.totalBytes)}\n`);
    });
};
