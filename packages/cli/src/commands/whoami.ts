import type { Command } from 'commander';

import { whoami } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/**
 * `hub whoami`: which account the registry sees, and which token source that came from
 * (`--token`, `HUB_TOKEN`, `HF_TOKEN`, `hub login`, the HF token file); never the token itself.
 * Without a token for the endpoint it fails with AUTH_REQUIRED, naming the tokens that are set
 * but belong to another registry.
 */
export const registerWhoami: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('whoami')
    .description('show the account and the token source used for the endpoint (never the token)')
    .action(async () => {
      const globals = program.opts<GlobalOptions>();
      const me = await whoami(clientOptionsFrom(globals));
      if (globals.json === true) {
        io.stdout(`${JSON.stringify(me)}\n`);
      } else {
        io.stdout(`${me.name} on ${me.endpoint} (token from ${me.tokenSource})\n`);
      }
    });
};
