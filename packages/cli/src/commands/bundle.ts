import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Command } from 'commander';

import {
  createBundle,
  formatBytes,
  importBundle,
  pull,
  resolveClientConfig,
  type BundleResult,
  type ClientOptions,
} from '@modelhub/client';
import { parseHeadManifest } from '@modelhub/core/schemas';

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

const sameEndpoint = (a: string, b: string): boolean => a.replace(/\/+$/, '') === b.replace(/\/+$/, '');

/**
 * The models to bundle: those named, plus the base model of each named head at its pinned commit
 * (when it is on the same registry and not named already), since a head cannot load without it.
 */
async function withHeadBases(
  models: readonly string[],
  options: ClientOptions,
): Promise<{ models: string[]; notes: string[] }> {
  const endpoint = resolveClientConfig(options).endpoint;
  const named = await Promise.all(
    models.map((ref) => pull(ref, { ...options, offline: true }).catch(() => undefined)),
  );
  const have = new Set(named.flatMap((r) => (r === undefined ? [] : [`${r.repo}@${r.commit}`])));
  const bases: string[] = [];
  const notes: string[] = [];
  for (const result of named) {
    if (result?.files.some((f) => f.path === 'modelhub.json') !== true) {
      continue;
    }
    // A backbone's own modelhub.json, or a broken head manifest, is bundled as it is.
    const base = await readFile(join(result.dir, 'modelhub.json'), 'utf8')
      .then((text) => parseHeadManifest(JSON.parse(text)).base)
      .catch(() => undefined);
    if (base === undefined) {
      continue;
    }
    const ref = `${base.repo}@${base.commit}`;
    if (!sameEndpoint(base.endpoint, endpoint) || have.has(ref)) {
      continue;
    }
    have.add(ref);
    const cached = await pull(ref, { ...options, offline: true }).then(
      () => true,
      () => false,
    );
    if (cached) {
      bases.push(ref);
    } else {
      notes.push(
        `note: ${result.repo}'s base model ${ref} is not cached, so the bundle lacks it; hub pull ${ref}, then bundle again for the head to load offline\n`,
      );
    }
  }
  return { models: [...models, ...bases], notes };
}

/** `hub bundle create MODEL… --out FILE.tar` and `hub bundle import FILE.tar`. */
export const registerBundle: CommandRegistrar = (program: Command, io: Io) => {
  const bundle = program.command('bundle').description('move cached models to machines without network');
  bundle
    .command('create')
    .description('write cached models into one tar file (a head with its base model)')
    .argument('<models...>', 'models to include (pull them first)')
    .requiredOption('--out <file>', 'the tar file to write')
    .action(async (models: string[], flags: { out: string }) => {
      const globals = program.opts<GlobalOptions>();
      const options = clientOptionsFrom(globals);
      const expanded = await withHeadBases(models, options);
      if (globals.quiet !== true && globals.json !== true) {
        io.stderr(expanded.notes.join(''));
      }
      const result = await createBundle(expanded.models, flags.out, options);
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
