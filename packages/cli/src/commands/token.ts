import type { Command } from 'commander';

import { openRegistry } from '@modelhub/registry';

import { backendsFrom, withBackendFlags, type BackendFlags } from '../context/registry-backends.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** Options of `hub token create`. */
export interface TokenCreateOptions extends BackendFlags {
  readonly user: string;
  readonly write: boolean;
  readonly name?: string;
}

/** Creates an access token for a user of the registry in `data` (creating the user) and returns it. */
export async function runTokenCreate(options: TokenCreateOptions): Promise<string> {
  const registry = await openRegistry(backendsFrom(options));
  try {
    return await registry.access.createToken(options.user, options.write ? 'write' : 'read', {
      ...(options.name === undefined ? {} : { displayName: options.name }),
    });
  } finally {
    await registry.close();
  }
}

/** `hub token create`: prints a new `hf_…` token, and nothing else, on stdout. */
export const registerToken: CommandRegistrar = (program: Command, io: Io) => {
  const token = program.command('token').description('manage access tokens of a registry you serve');
  withBackendFlags(
    token.command('create').description('create an access token (printed once; only its hash is stored)'),
  )
    .requiredOption('--user <name>', 'the user the token acts as (created if needed)')
    .option('--write', 'allow writes to the user’s namespaces (default: read only)', false)
    .option('--name <name>', 'a display name for the token')
    .action(async (options: TokenCreateOptions) => {
      const secret = await runTokenCreate(options);
      const json = program.opts<GlobalOptions>().json === true;
      io.stdout(
        json
          ? `${JSON.stringify({ token: secret, user: options.user, role: options.write ? 'write' : 'read' })}\n`
          : `${secret}\n`,
      );
    });
};
