import type { Command } from 'commander';

import { resolveClientConfig, saveToken, whoami } from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) {
    return '';
  }
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
  }
  return text.trim();
}

/** `hub login [--token T]` (or the token on stdin): checks it with the registry and stores it. */
export const registerLogin: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('login')
    .description('check an access token with the registry and remember it for this endpoint')
    .action(async () => {
      const globals = program.opts<GlobalOptions>();
      const token = globals.token ?? (await readStdin());
      if (token === '') {
        throw new ModelhubError('INVALID_ARGUMENT', 'No token given.', {
          hint: 'Pass --token hf_… or pipe the token on stdin: hub login < token.txt',
        });
      }
      const options = { ...clientOptionsFrom(globals), token };
      const me = await whoami(options);
      const config = resolveClientConfig(options);
      const file = await saveToken(config.endpoint, token, config.env);
      if (globals.json === true) {
        io.stdout(`${JSON.stringify({ endpoint: me.endpoint, user: me.name, file })}\n`);
      } else {
        io.stdout(`logged in to ${me.endpoint} as ${me.name} (token saved in ${file})\n`);
      }
    });
};
