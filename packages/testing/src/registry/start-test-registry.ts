import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

import { startRegistry, type RegistryBackends, type RegistryOptions } from '@modelhub/registry';

import { ensureFixtures } from '../fixtures/ensure-fixtures.ts';
import type { FixtureModelName } from '../fixtures/fixture-models.ts';

/** Options of {@link startTestRegistry}. */
export interface TestRegistryOptions {
  /**
   * Import the fixture models (seed.json from ensureFixtures()) as `modelhub/*` repos + aliases:
   * all of them, or only those named (seeding all ~80 MB takes seconds on a loaded machine).
   */
  readonly seed?: boolean | readonly FixtureModelName[];
  /** Keep state here (it survives close()); a fresh temp dir, removed on close(), otherwise. */
  readonly dataDir?: string;
  /** Registry tunables (e.g. a small `multipartThreshold` to exercise multipart uploads). */
  readonly registry?: Partial<RegistryOptions>;
  /** Other backends than the data folder's (e.g. S3 blobs: `{ blobs: 's3://…', s3Endpoint }`). */
  readonly backends?: Omit<RegistryBackends, 'dataDir'>;
}

/** A real registry server on 127.0.0.1, port 0. */
export interface TestRegistry {
  /** `http://127.0.0.1:<port>`: pass it as `hubUrl` / `--endpoint`. */
  readonly url: string;
  readonly dataDir: string;
  /** A write token of the admin user, who can read and write every namespace. */
  readonly adminToken: string;
  /** A fresh `hf_…` token for `user` (created if needed). */
  createToken(user: string, write: boolean): Promise<string>;
  close(): Promise<void>;
}

/** Starts the real registry in-process, optionally seeded with the fixture models. */
export async function startTestRegistry(options: TestRegistryOptions = {}): Promise<TestRegistry> {
  const owned = options.dataDir === undefined;
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'modelhub-registry-')));
  const seedDir = await seedFolder(options.seed, dataDir);
  const running = await startRegistry({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
    ...(options.backends === undefined ? {} : { backends: options.backends }),
    ...(seedDir === undefined ? {} : { seedDir }),
  });
  const adminToken = await running.registry.access.createToken('admin', 'write', {
    admin: true,
    displayName: 'test admin',
  });
  return {
    url: running.url,
    dataDir,
    adminToken,
    createToken: (user, write) =>
      Promise.resolve(running.registry.access.createToken(user, write ? 'write' : 'read')),
    close: async () => {
      await running.close();
      if (owned) {
        await rm(dataDir, { recursive: true, force: true });
      }
    },
  };
}

/**
 * The seed folder to import: the fixtures' own, or a folder in `dataDir` whose seed.json lists
 * only the named models (pointing back at the fixtures' folders).
 */
async function seedFolder(seed: TestRegistryOptions['seed'], dataDir: string): Promise<string | undefined> {
  if (seed === undefined || seed === false) {
    return undefined;
  }
  const fixtures = (await ensureFixtures()).seedDir;
  if (seed === true) {
    return fixtures;
  }
  const all = JSON.parse(await readFile(join(fixtures, 'seed.json'), 'utf8')) as {
    models: { dir: string }[];
  };
  const names = new Set<string>(seed);
  const dir = join(dataDir, 'seed-subset');
  const models = all.models
    .filter((m) => names.has(m.dir))
    .map((m) => ({ ...m, dir: relative(dir, join(fixtures, m.dir)) }));
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'seed.json'), JSON.stringify({ models }));
  return dir;
}
