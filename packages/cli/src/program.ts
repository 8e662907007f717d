import { createRequire } from 'node:module';

import { Command, CommanderError } from 'commander';

import { ExitCode } from '@modelhub/core';

import { registerAlias } from './commands/alias.ts';
import { registerBundle } from './commands/bundle.ts';
import { registerGc } from './commands/gc.ts';
import { registerInfo } from './commands/info.ts';
import { registerLogin } from './commands/login.ts';
import { registerLs } from './commands/ls.ts';
import { registerPull } from './commands/pull.ts';
import { registerPush } from './commands/push.ts';
import { registerExport } from './commands/export.ts';
import { trainCommand } from './commands/train.ts';
import { evalCommand } from './commands/eval.ts';
import { trainerDeps } from './library/trainer-deps.ts';
import { registerRm } from './commands/rm.ts';
import { registerSearch } from './commands/search.ts';
import { registerVerify } from './commands/verify.ts';
import { registerEmbed } from './commands/embed.ts';
import { registerInspect } from './commands/inspect.ts';
import { registerPredict } from './commands/predict.ts';
import { registerServe } from './commands/serve.ts';
import { registerToken } from './commands/token.ts';
import { processIo, reportError, type Io } from './output/error-boundary.ts';

const pkg = createRequire(import.meta.url)('../package.json') as { version: string };

/** Options every command accepts (the CLI contract in design.md). */
export interface GlobalOptions {
  endpoint?: string;
  token?: string;
  cacheDir?: string;
  offline?: boolean;
  json?: boolean;
  quiet?: boolean;
}

/**
 * Adds one command (or a group) to the program. Each lives in `commands/<name>.ts` and reads the
 * global options with `program.opts<GlobalOptions>()` inside its action.
 */
export type CommandRegistrar = (program: Command, io: Io) => void;

// One line per command module; keep this list in the order `hub --help` should show them.
const commands: readonly CommandRegistrar[] = [
  registerServe,
  registerToken,
  registerAlias,
  registerSearch,
  registerInfo,
  registerPull,
  registerPush,
  registerLs,
  registerRm,
  registerVerify,
  registerGc,
  registerBundle,
  registerLogin,
  registerInspect,
  registerEmbed,
  registerPredict,
  trainCommand(trainerDeps),
  evalCommand(trainerDeps),
  registerExport,
];

/** Builds the `hub` command tree. */
export function buildProgram(io: Io): Command {
  const program = new Command('hub')
    .description('Pull pretrained models, fit a new output head on your data, and share it back.')
    .version(pkg.version, '-V, --version', 'print the modelhub version')
    .option(
      '--endpoint <url>',
      'registry URL (env HUB_ENDPOINT, HF_ENDPOINT; default https://huggingface.co)',
    )
    .option('--token <token>', 'access token (env HUB_TOKEN, HF_TOKEN)')
    .option('--cache-dir <dir>', 'model cache folder (env HUB_CACHE, HF_HUB_CACHE)')
    .option('--offline', 'use the cache only; never touch the network (env HUB_OFFLINE=1, HF_HUB_OFFLINE=1)')
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'print nothing but results and errors')
    .showHelpAfterError()
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s) })
    .exitOverride();
  for (const register of commands) {
    register(program, io);
  }
  return program;
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander; usage mistakes already printed their message.
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
    }
    return reportError(error, io, argv.includes('--json'));
  }
}
