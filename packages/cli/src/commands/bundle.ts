import type { Command } from 'commander';

import { createBundle, formatBytes, importBundle, type BundleResult } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

function describe(verb: string, result: BundleResult): string {
  const models = result.models
    .map((m) => `${verb} ${m.repo}@${m.commit.slice(0, 12)}: ${m.files} files, ${formatBytes(m.bytes)}\n`)
    .join('');
  if (result.source === undefined) {
    return `${models}from ${result.endpoint} into ${result.file}\n`;
  }
  // Imported models are found offline by name whatever endpoint is configured (see hub ls).
  const filed = result.endpoint === result.source.endpoint ? '' : `, filed under ${result.endpoint}`;
  return `${models}from ${result.file}: a bundle of ${result.source.endpoint} made ${result.source.createdAt}${filed}\ninto ${result.cacheRoot}\n`;
}

/** `hub bundle create MODEL… --out FILE.tar` and `hub bundle import FILE.tar`. */
export const registerBundle: CommandRegistrar = (program: Command, io: Io) => {
  const bundle = program.command('bundle').description('move cached models to machines without network');
  bundle
    .command('create')
    .description('write cached models into one tar file')
    .argument('<models...>', 'models to include (pull them first)')
    .requiredOption('--out <file>', 'the tar file to write')
    .action(async (models: string[], flags: { out: string }) => {
      const globals = program.opts<GlobalOptions>();
      const result = await createBundle(models, flags.out, clientOptionsFrom(globals));
      io.stdout(globals.json === true ? `${JSON.stringify(result)}\n` : describe('bundled', result));
    });
  bundle
    .command('import')
    .description('verify a bundle and add its models to the cache')
    .argument('<file>', 'a tar file made by hub bundle create')
    .action(async (file: string) => {
      const globals = program.opts<GlobalOptions>();
      const result = await importBundle(file, clientOptionsFrom(globals));
      io.stdout(globals.json === true ? `${JSON.stringify(result)}\n` : describe('imported', result));
    });
};
