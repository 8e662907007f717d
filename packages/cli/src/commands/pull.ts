import { Option, type Command } from 'commander';

import {
  formatBytes,
  isVariant,
  parseBandwidth,
  pull,
  variantSuffixes,
  type PullEvent,
  type PullResult,
} from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import { createProgressBar, type ProgressStream } from '../output/progress-bar.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

interface PullFlags {
  include?: string[];
  exclude?: string[];
  variant?: string;
  revision?: string;
  dryRun?: boolean;
  lock?: string;
  frozen?: boolean;
  limitRate?: string;
  localDir?: string;
  progress?: string;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** `ns/name@rev commit <sha>`: what a reference resolved to. */
function resolvedAs(repo: string, revision: string | undefined, commit: string): string {
  return `${repo}${revision === undefined || revision === commit ? '' : `@${revision}`} commit ${commit}`;
}

/**
 * The text `hub pull` prints for a finished (or planned) pull. `announced`: the resolution of an
 * alias or search was already printed when it happened (before the download), so it is not repeated.
 */
export function describePull(result: PullResult, announced = false): string {
  const lines: string[] = [];
  if (!announced) {
    const via = result.via === 'name' ? '' : ` (via ${result.via})`;
    lines.push(`${resolvedAs(result.repo, result.revision, result.commit)}${via}`);
  }
  if (result.dryRun) {
    for (const f of result.plan.files) {
      lines.push(`  ${f.cached ? 'cached' : 'fetch '}  ${formatBytes(f.size).padStart(9)}  ${f.path}`);
    }
    lines.push(
      `${result.plan.files.length} files, ${formatBytes(result.plan.totalBytes)}; cached ${formatBytes(result.plan.cachedBytes)}, to download ${formatBytes(result.plan.downloadBytes)}` +
        (result.plan.freeBytes === undefined ? '' : `; free disk ${formatBytes(result.plan.freeBytes)}`),
    );
    return `${lines.join('\n')}\n`;
  }
  lines.push(
    `${result.files.length} files, ${formatBytes(result.plan.totalBytes)} (downloaded ${formatBytes(result.downloadedBytes)}${result.resumedBytes > 0 ? `, resumed ${formatBytes(result.resumedBytes)}` : ''}) -> ${result.dir}`,
  );
  if (result.localDir !== undefined) {
    const { dir, copied, kept } = result.localDir;
    lines.push(`copied ${copied} files to ${dir}${kept > 0 ? ` (${kept} already up to date)` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `hub pull MODEL[@REV]`: resolves the name, downloads and verifies the files into the cache, and
 * prints what it chose. One byte-weighted bar on a terminal, nothing on a pipe; SIGINT stops the
 * transfer, keeping partial files so the next run resumes them.
 */
export function registerPullWith(stderr: ProgressStream): CommandRegistrar {
  return (program: Command, io: Io) => {
    program
      .command('pull')
      .description('download a model (ns/name[@rev], a URL, or a short alias) into the cache, verified')
      .argument('<model>', 'ns/name, ns/name@branch|tag|sha, a registry URL, or an alias such as resnet')
      .option('--include <glob>', 'only files matching the glob (repeatable)', collect)
      .option('--exclude <glob>', 'skip files matching the glob (repeatable)', collect)
      .addOption(
        new Option('--variant <name>', 'quantised ONNX variant (Transformers.js suffixes)').choices(
          Object.keys(variantSuffixes),
        ),
      )
      .option('--revision <rev>', 'branch, tag or commit when MODEL names none')
      .option('--dry-run', 'show files, bytes, what is cached and free disk; download nothing')
      .option('--lock <file>', 'write (or with --frozen, read) a lockfile')
      .option('--frozen', 'install exactly what the lockfile pins; fail on any drift')
      .addOption(
        new Option(
          '--progress <mode>',
          'bar (on a terminal), ndjson (every event as a JSON line on stderr, for scripts) or none',
        ).choices(['bar', 'ndjson', 'none']),
      )
      .option('--local-dir <dir>', 'also copy the files into DIR as plain files (kept up to date)')
      .option('--limit-rate <rate>', 'download at most RATE bytes per second in all, e.g. 500K, 10M')
      .action(async (model: string, flags: PullFlags) => {
        const globals = program.opts<GlobalOptions>();
        if (flags.frozen === true && flags.lock === undefined) {
          throw new ModelhubError('INVALID_ARGUMENT', '--frozen needs --lock FILE.', {
            hint: 'hub pull MODEL --lock modelhub.lock --frozen',
          });
        }
        const limitRate = flags.limitRate === undefined ? undefined : parseBandwidth(flags.limitRate);
        const mode = flags.progress ?? (globals.json === true || globals.quiet === true ? 'none' : 'bar');
        const bar = createProgressBar(mode === 'bar' ? stderr : ({} as ProgressStream));
        const controller = new AbortController();
        const onSigint = (): void =>
          controller.abort(
            new ModelhubError(
              'INTERRUPTED',
              'Interrupted; the partial download is kept and resumes on the next pull.',
            ),
          );
        process.once('SIGINT', onSigint);
        let announced = false;
        const announce = (event: PullEvent): void => {
          if (
            event.type === 'resolved' &&
            globals.json !== true &&
            globals.quiet !== true &&
            mode !== 'ndjson' &&
            event.via !== 'name'
          ) {
            bar.done();
            // The first line of the result, printed as soon as it is known: a long download follows.
            io.stdout(
              `${model} -> ${resolvedAs(event.repo, event.revision, event.commit)} (via ${event.via})\n`,
            );
            announced = true;
          }
          if (
            event.type === 'resume' &&
            globals.json !== true &&
            globals.quiet !== true &&
            mode !== 'ndjson'
          ) {
            bar.done();
            io.stderr(
              `resuming ${event.path}: ${formatBytes(event.bytes)} of ${formatBytes(event.size)} kept from the interrupted pull, checked while the rest downloads\n`,
            );
          }
          if (mode === 'ndjson') {
            io.stderr(`${JSON.stringify(event)}\n`);
          }
          bar.onEvent(event);
        };
        try {
          const result = await pull(model, {
            ...clientOptionsFrom(globals),
            include: flags.include,
            exclude: flags.exclude,
            variant: flags.variant !== undefined && isVariant(flags.variant) ? flags.variant : undefined,
            revision: flags.revision,
            dryRun: flags.dryRun === true,
            lockfile: flags.lock,
            frozen: flags.frozen === true,
            limitRate,
            localDir: flags.localDir,
            signal: controller.signal,
            onProgress: announce,
          });
          bar.done();
          if (globals.json === true) {
            io.stdout(`${JSON.stringify(result)}\n`);
          } else if (globals.quiet === true) {
            io.stdout(`${result.localDir?.dir ?? result.dir}\n`);
          } else {
            io.stdout(describePull(result, announced));
          }
        } finally {
          bar.done();
          process.removeListener('SIGINT', onSigint);
        }
      });
  };
}

export const registerPull: CommandRegistrar = registerPullWith(process.stderr);
