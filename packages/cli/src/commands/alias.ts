import type { Command } from 'commander';

import { openRegistry, type Alias } from '@modelhub/registry';

import { backendsFrom, withBackendFlags, type BackendFlags } from '../context/registry-backends.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** Options of `hub alias set`. */
export interface AliasSetOptions extends BackendFlags {
  readonly name: string;
  readonly repo: string;
  readonly revision?: string;
}

/** Points a short name at a repo of the registry in `data` (replacing an older target). */
export async function runAliasSet(options: AliasSetOptions): Promise<Alias> {
  const registry = await openRegistry(backendsFrom(options));
  try {
    return await registry.aliases.set(options.name, options.repo, options.revision ?? null);
  } finally {
    await registry.close();
  }
}

/** `hub alias set NAME REPO --data DIR`: short names served at `GET /api/aliases/{name}`. */
export const registerAlias: CommandRegistrar = (program: Command, io: Io) => {
  const alias = program.command('alias').description('manage short model names of a registry you serve');
  withBackendFlags(
    alias
      .command('set')
      .description('make NAME stand for REPO (namespace/name)')
      .argument('<name>', 'the short name, e.g. mobilenet')
      .argument('<repo>', 'the repository, e.g. modelhub/mobilenet-v2'),
  )
    .option('--revision <rev>', 'pin the alias to a revision')
    .action(async (name: string, repo: string, options: BackendFlags & { revision?: string }) => {
      const set = await runAliasSet({ name, repo, ...options });
      if (program.opts<GlobalOptions>().json === true) {
        io.stdout(`${JSON.stringify({ alias: set.name, repo: set.repo, revision: set.revision })}\n`);
      } else if (program.opts<GlobalOptions>().quiet !== true) {
        io.stdout(`${set.name} -> ${set.repo}${set.revision === null ? '' : `@${set.revision}`}\n`);
      }
    });
};
