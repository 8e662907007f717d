import { createRequire } from 'node:module';

import { Command, CommanderError } from 'commander';

import { ExitCode, ModelhubError } from '@modelhub/core/errors';

import type { TrainerDeps } from './commands/train.ts';
import { routeWarnings } from './context/client-context.ts';
import { assertWritablePathOptions } from './context/path-options.ts';
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

/**
 * A command by name, loaded only when it runs or help is shown: `hub pull` does not load the
 * trainer's tfjs or the registry's fastify (startup 0.5 s → 0.2 s here).
 */
interface LazyCommand {
  readonly name: string;
  readonly load: () => Promise<CommandRegistrar>;
}

// One line per command module; keep this list in the order `hub --help` should show them.
const commands: readonly LazyCommand[] = [
  { name: 'serve', load: async () => (await import('./commands/serve.ts')).registerServe },
  { name: 'token', load: async () => (await import('./commands/token.ts')).registerToken },
  { name: 'alias', load: async () => (await import('./commands/alias.ts')).registerAlias },
  { name: 'search', load: async () => (await import('./commands/search.ts')).registerSearch },
  { name: 'info', load: async () => (await import('./commands/info.ts')).registerInfo },
  { name: 'pull', load: async () => (await import('./commands/pull.ts')).registerPull },
  { name: 'push', load: async () => (await import('./commands/push.ts')).registerPush },
  { name: 'ls', load: async () => (await import('./commands/ls.ts')).registerLs },
  { name: 'rm', load: async () => (await import('./commands/rm.ts')).registerRm },
  { name: 'verify', load: async () => (await import('./commands/verify.ts')).registerVerify },
  { name: 'gc', load: async () => (await import('./commands/gc.ts')).registerGc },
  { name: 'bundle', load: async () => (await import('./commands/bundle.ts')).registerBundle },
  { name: 'login', load: async () => (await import('./commands/login.ts')).registerLogin },
  { name: 'whoami', load: async () => (await import('./commands/whoami.ts')).registerWhoami },
  { name: 'inspect', load: async () => (await import('./commands/inspect.ts')).registerInspect },
  { name: 'embed', load: async () => (await import('./commands/embed.ts')).registerEmbed },
  { name: 'predict', load: async () => (await import('./commands/predict.ts')).registerPredict },
  {
    name: 'train',
    load: async () => (await import('./commands/train.ts')).trainCommand(await trainerDeps()),
  },
  {
    name: 'eval',
    load: async () => (await import('./commands/eval.ts')).evalCommand(await trainerDeps()),
  },
  { name: 'export', load: async () => (await import('./commands/export.ts')).registerExport },
];

async function trainerDeps(): Promise<(globals: GlobalOptions) => TrainerDeps> {
  return (await import('./library/trainer-deps.ts')).trainerDeps;
}

/** Global options that take a value (their value is not a command name). */
const valuedGlobals = new Set(['--endpoint', '--token', '--cache-dir']);

/**
 * The names of the commands to load for `argv`: the one it runs, none for a bare `--version`, and
 * every one for help, a typo or no command (for the help text and "did you mean").
 */
export function commandsFor(argv: readonly string[]): readonly string[] {
  const all = commands.map((c) => c.name);
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--') {
      return all;
    }
    if (arg.startsWith('-')) {
      if (valuedGlobals.has(arg)) {
        i += 1;
      }
      continue;
    }
    return all.includes(arg) ? [arg] : all;
  }
  const versionOnly = argv.some((a) => a === '--version' || a === '-V') && !argv.includes('--help');
  return versionOnly ? [] : all;
}

/** Builds the `hub` command tree with the commands named in `names` (default: all). */
export async function buildProgram(
  io: Io,
  names: readonly string[] = commands.map((c) => c.name),
): Promise<Command> {
  const program = new Command('hub')
    .description('Pull pretrained models, fit a new output head on your data, and share it back.')
    .version(pkg.version, '-V, --version', 'print the modelhub version')
    .option(
      '--endpoint <url>',
      'registry URL (env HUB_ENDPOINT, HF_ENDPOINT; default https://huggingface.co)',
    )
    .option(
      '--token <token>',
      'access token for this endpoint (env HUB_TOKEN; HF_TOKEN only for huggingface.co or HF_ENDPOINT)',
    )
    .option(
      '--cache-dir <dir>',
      'model cache folder (env HUB_CACHE; default ~/.cache/modelhub, one folder per registry); huggingface.co shares the official client’s cache (HF_HUB_CACHE, else $HF_HOME/hub)',
    )
    .option('--offline', 'use the cache only; never touch the network (env HUB_OFFLINE=1, HF_HUB_OFFLINE=1)')
    .option('--json', 'print one JSON document on stdout')
    .option('--quiet', 'print nothing but results and errors')
    // Usage mistakes are reported by runCli like every other error (a code, a hint, JSON under
    // --json), not as commander's message followed by the whole help.
    .configureOutput({ writeOut: (s) => io.stdout(s), writeErr: (s) => io.stderr(s), outputError: () => {} })
    .exitOverride()
    .hook('preAction', (_program, action) => assertWritablePathOptions(program.opts(), action.opts()));
  const wanted = commands.filter((c) => names.includes(c.name));
  for (const register of await Promise.all(wanted.map((c) => c.load()))) {
    register(program, io);
  }
  return program;
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(argv: readonly string[], io: Io = processIo): Promise<number> {
  routeWarnings(io);
  let program: Command | undefined;
  try {
    program = await buildProgram(io, commandsFor(argv));
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" to commander, and so is a bare `hub` (its help is printed).
      if (error.exitCode === 0 || error.code === 'commander.help') {
        return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
      }
      return reportError(usageError(error, program, argv), io, argv.includes('--json'));
    }
    return reportError(error, io, argv.includes('--json'));
  }
}

/** The (sub)command `argv` names, e.g. `token create`; undefined for none or an unknown one. */
function namedCommand(program: Command | undefined, argv: readonly string[]): Command | undefined {
  let found: Command | undefined;
  let scope = program;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg.startsWith('-')) {
      i += valuedGlobals.has(arg) ? 1 : 0;
      continue;
    }
    const next = scope?.commands.find((c) => c.name() === arg);
    if (next === undefined) {
      break;
    }
    found = next;
    scope = next;
  }
  return found;
}

/** A usage mistake commander found, as a coded error whose hint gives the command's usage line. */
function usageError(
  error: CommanderError,
  program: Command | undefined,
  argv: readonly string[],
): ModelhubError {
  // Commander's message is "error: what.\n(Did you mean x?)"; the suggestion belongs in the hint.
  const [first = '', ...rest] = error.message.replace(/^error: /, '').split('\n');
  const what = first.replace(/\.+$/, '');
  const suggestion = rest
    .join(' ')
    .replace(/^\((.*)\)$/, '$1')
    .trim();
  const command = namedCommand(program, argv);
  let name = '';
  for (let c = command; c !== undefined && c !== program; c = c.parent ?? undefined) {
    name = `${c.name()} ${name}`;
  }
  const help =
    command === undefined
      ? 'Run hub --help for the commands.'
      : `Usage: hub ${name}${command.usage()} (hub ${name}--help for more).`;
  return new ModelhubError('INVALID_ARGUMENT', `${what.charAt(0).toUpperCase()}${what.slice(1)}.`, {
    hint: suggestion === '' ? help : `${suggestion} ${help}`,
    details: { commander: error.code },
  });
}
