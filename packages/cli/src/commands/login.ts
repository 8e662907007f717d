import type { Command } from 'commander';

import { resolveClientConfig, saveToken, whoami } from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import { readSecret } from '../output/read-secret.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** The token piped on stdin, or typed at a hidden prompt when stdin is a terminal. */
async function readToken(endpoint: string, io: Io): Promise<string> {
  if (process.stdin.isTTY) {
    return readSecret(`Token for ${endpoint} (input hidden): `, process.stdin, (s) => io.stderr(s));
  }
  let text = '';
  for await (const chunk of process.stdin) {
    text += (chunk as Buffer).toString('utf8');
  }
  return text.trim();
}

/** `hub login [--token T]` (or the token on stdin, or typed at a prompt): checks it with the registry and stores it. */
export const registerLogin: CommandRegistrar = (program: Command, io: Io) => {
  program
    .command('login')
    .description(
      'check an access token (typed at a hidden prompt, piped on stdin, or --token) with the registry and remember it for this endpoint',
    )
    .action(async () => {
      const globals = program.opts<GlobalOptions>();
      const token =
        globals.token ?? (await readToken(resolveClientConfig(clientOptionsFrom(globals)).endpoint, io));
      if (token === '') {
        throw new ModelhubError('INVALID_ARGUMENT', 'No token given.', {
          hint: 'Type it at the prompt, pass --token hf_…, or pipe it on stdin: hub login < token.txt',
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
