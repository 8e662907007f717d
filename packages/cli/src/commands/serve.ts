import { stat } from 'node:fs/promises';
import { join } from 'node:path';

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
  /** Log every request to stderr. */
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
      ...(options.redirect === false ? { redirectDownloads: false } : {}),
      ...(options.gcInterval === undefined ? {} : { gcIntervalSeconds: options.gcInterval }),
      ...(options.gcGrace === undefined ? {} : { gcGraceSeconds: options.gcGrace }),
    },
    ...(options.accelRedirect === undefined ? {} : { accelRedirect: options.accelRedirect }),
    host: options.host,
    port: options.port,
    ...(options.seed === undefined ? {} : { seedDir: options.seed }),
    ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
    ...(options.log === true ? { logger: true } : {}),
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

/**
 * The seed `--seed` imports when it names no folder: the fixture models built from npm packages
 * (`npm run fixtures` in a modelhub checkout writes them to `.fixtures/current/seed`).
 */
async function defaultSeedDir(): Promise<string> {
  const root = process.env['MODELHUB_FIXTURES'] ?? join(process.cwd(), '.fixtures');
  const dir = join(root, 'current', 'seed');
  if ((await stat(join(dir, 'seed.json')).catch(() => undefined)) === undefined) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `--seed without a folder imports ${dir}, which does not exist.`,
      {
        hint: 'Run `npm run fixtures` in the modelhub checkout first, or pass --seed DIR (a folder with seed.json).',
      },
    );
  }
  return dir;
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
      'import a seed folder (seed.json + one folder per repo) before serving; default: the fixture models (npm run fixtures)',
    )
    .option('--public-url <url>', 'URL clients use to reach this server (for links and upload URLs)')
    .option('--log', 'log every request (JSON lines on stderr)')
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
        const seed = seedFlag === true ? await defaultSeedDir() : seedFlag;
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
