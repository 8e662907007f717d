import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { startRegistry, type RegistryOptions } from '@modelhub/registry';

import { ensureFixtures } from '../fixtures/ensure-fixtures.ts';

/** Options of {@link startTestRegistry}. */
export interface TestRegistryOptions {
  /** Import the fixture models (seed.json from ensureFixtures()) as `modelhub/*` repos + aliases. */
  readonly seed?: boolean;
  /** Keep state here (it survives close()); a fresh temp dir, removed on close(), otherwise. */
  readonly dataDir?: string;
  /** Registry tunables (e.g. a small `multipartThreshold` to exercise multipart uploads). */
  readonly registry?: Partial<RegistryOptions>;
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
  const seedDir = options.seed === true ? (await ensureFixtures()).seedDir : undefined;
  const running = await startRegistry({
    dataDir,
    host: '127.0.0.1',
    port: 0,
    ...(options.registry === undefined ? {} : { registry: options.registry }),
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
