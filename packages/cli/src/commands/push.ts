import type { Command } from 'commander';

import { formatBytes, pushFolder, type PushResult } from '@modelhub/client';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { Io } from '../output/error-boundary.ts';
import { renderProgressLine, type ProgressStream } from '../output/progress-bar.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

interface PushFlags {
  private?: boolean;
  revision?: string;
  message?: string;
  parent?: string;
}

/** The text `hub push` prints. */
export function describePush(result: PushResult): string {
  if (result.uploaded.length === 0) {
    return `${result.repo}@${result.revision} already has these ${result.unchanged.length} files; nothing to commit (commit ${result.commit}).\n`;
  }
  const skipped = result.unchanged.length === 0 ? '' : `, ${result.unchanged.length} unchanged`;
  return (
    `${result.createdRepo ? 'created' : 'updated'} ${result.repo}@${result.revision}: ${result.uploaded.length} files sent` +
    ` (${formatBytes(result.lfsBytes)} through LFS)${skipped}\n${result.commitUrl ?? result.commit}\n`
  );
}

/** `hub push DIR REPO`: publishes a head (or any model folder) through the Hub protocol. */
export function registerPushWith(stderr: ProgressStream): CommandRegistrar {
  return (program: Command, io: Io) => {
    program
      .command('push')
      .description('publish a folder (a trained head, or any model) to a registry as one commit')
      .argument('<dir>', 'the folder to publish, e.g. what hub train --out wrote')
      .argument('<repo>', 'target repository, namespace/name (created if missing)')
      .option('--private', 'create the repository as private')
      .option('--revision <branch>', 'branch to commit to (created from main if missing)', 'main')
      .option('-m, --message <text>', 'commit title')
      .option('--parent <sha>', 'commit only if the branch is still at this commit')
      .action(async (dir: string, repo: string, flags: PushFlags) => {
        const globals = program.opts<GlobalOptions>();
        const tty = stderr.isTTY === true && globals.json !== true && globals.quiet !== true;
        let last = 0;
        const started = Date.now();
        const result = await pushFolder(dir, repo, {
          ...clientOptionsFrom(globals),
          private: flags.private,
          revision: flags.revision,
          message: flags.message,
          parentCommit: flags.parent,
          onProgress: (done, total) => {
            const now = Date.now();
            if (tty && total > 0 && (now - last > 100 || done === total)) {
              last = now;
              const rate = done / Math.max(0.001, (now - started) / 1000);
              stderr.write(`\r${renderProgressLine(done, total, rate, 'uploading', stderr.columns ?? 80)}`);
            }
          },
        });
        if (tty) {
          stderr.write('\r\x1b[K');
        }
        io.stdout(globals.json === true ? `${JSON.stringify(result)}\n` : describePush(result));
      });
  };
}

export const registerPush: CommandRegistrar = registerPushWith(process.stderr);
