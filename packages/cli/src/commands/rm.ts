import type { Command } from 'commander';

import { removeModel } from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** `hub rm MODEL`: deletes a model's files from the cache. */
export const registerRm: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('rm')
    .description('remove a model from the cache')
    .argument('<model>', 'ns/name or a cached alias')
    .action(async (model: string) => {
      const globals = program.opts<GlobalOptions>();
      const result = await removeModel(model, clientOptionsFrom(globals));
      if (!result.removed) {
        throw new ModelhubError('NOT_IN_CACHE', `${result.repo} is not in the cache.`, {
          hint: 'hub ls lists the cached models.',
          details: { repo: result.repo, dir: result.dir },
        });
      }
      if (globals.json === true) {
        io.stdout(`${JSON.stringify(result)}\n`);
      } else if (globals.quiet !== true) {
        io.stdout(`removed ${result.repo}\n`);
      }
    });
};
