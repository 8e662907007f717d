import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { userInfo, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import pg from 'pg';

import { freePort } from './free-port.ts';

const run = promisify(execFile);

/** A PostgreSQL server for tests: one database per `createDatabase()`. */
export interface TestPostgres {
  /** `postgres://…/postgres` (an admin connection; tests should use their own database). */
  readonly url: string;
  /** A new empty database on the server; its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server this harness started (and removes its files), or drops the databases it made. */
  stop(): Promise<void>;
}

function binDir(): string {
  const root = '/usr/lib/postgresql';
  const override = process.env['MODELHUB_PG_BIN'];
  if (override !== undefined) {
    return override;
  }
  if (existsSync(root)) {
    return root;
  }
  throw new Error(
    'PostgreSQL is not installed: run scripts/ci/install-system-packages.sh, or set MODELHUB_TEST_PG_URL to a server of your own.',
  );
}

async function findBin(): Promise<string> {
  const base = binDir();
  if (process.env['MODELHUB_PG_BIN'] !== undefined) {
    return base;
  }
  const versions = (await readdir(base)).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a));
  const found = versions.map((v) => join(base, v, 'bin')).find((dir) => existsSync(join(dir, 'initdb')));
  if (found === undefined) {
    throw new Error(`No PostgreSQL binaries under ${base}.`);
  }
  return found;
}

/** Runs a PostgreSQL tool; as root it runs as the `postgres` user, which the server requires. */
async function asServerUser(bin: string, args: string[]): Promise<void> {
  if (userInfo().uid === 0) {
    await run('runuser', ['-u', 'postgres', '--', bin, ...args]);
  } else {
    await run(bin, args);
  }
}

let counter = 0;

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

function databaseUrl(serverUrl: string, name: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Uses the developer's own server (MODELHUB_TEST_PG_URL): databases are made there and dropped on stop. */
function externalServer(url: string): TestPostgres {
  const made: string[] = [];
  return {
    url,
    createDatabase: async () => {
      const name = `modelhub_test_${process.pid}_${Date.now()}_${counter++}`;
      await withAdmin(url, (client) => client.query(`CREATE DATABASE ${name}`));
      made.push(name);
      return databaseUrl(url, name);
    },
    stop: async () => {
      for (const name of made.splice(0)) {
        await withAdmin(url, (client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
      }
    },
  };
}

/**
 * Starts a throw-away PostgreSQL (Debian's binaries; as the `postgres` user when running as root,
 * since the server refuses root) on a temp folder and a free 127.0.0.1 port, tuned for tests:
 * no fsync, no full-page writes. `MODELHUB_TEST_PG_URL` points the tests at a server of your own
 * instead.
 */
export async function startPostgres(): Promise<TestPostgres> {
  const external = process.env['MODELHUB_TEST_PG_URL'];
  if (external !== undefined && external !== '') {
    return externalServer(external);
  }
  const bin = await findBin();
  const dir = await mkdtemp(join(tmpdir(), 'modelhub-pg-'));
  const data = join(dir, 'data');
  if (userInfo().uid === 0) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    await chown(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  try {
    await asServerUser(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'postgres',
      '--auth=trust',
      '-E',
      'UTF8',
      '--locale=C',
      '--no-sync',
      '--no-instructions',
    ]);
    let port = 0;
    for (let attempt = 1; ; attempt++) {
      port = await freePort();
      try {
        await asServerUser(join(bin, 'pg_ctl'), [
          '-D',
          data,
          '-l',
          join(dir, 'server.log'),
          '-w',
          '-t',
          '60',
          '-o',
          `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200`,
          'start',
        ]);
        break;
      } catch (error) {
        // The port may have been taken between freePort() and the start.
        if (attempt >= 3) {
          throw error;
        }
      }
    }
    const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
    let stopped: Promise<void> | undefined;
    return {
      url,
      createDatabase: async () => {
        const name = `modelhub_test_${counter++}`;
        await withAdmin(url, (client) => client.query(`CREATE DATABASE ${name}`));
        return databaseUrl(url, name);
      },
      stop: () => {
        stopped ??= (async () => {
          await asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', '-w', 'stop']).catch(
            () => undefined,
          );
          await rm(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  } catch (error) {
    await asServerUser(join(bin, 'pg_ctl'), ['-D', data, '-m', 'immediate', 'stop']).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
