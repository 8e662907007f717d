import { constants, existsSync } from 'node:fs';
import { access, rm } from 'node:fs/promises';
import { join } from 'node:path';

import type { FastifyInstance } from 'fastify';

import { ModelhubError, assertRealFilesystem } from '@modelhub/core';

import { createRegistryApp } from './http/registry-app.ts';
import { lockDataDir } from './data-dir-lock.ts';
import { isShared, openRegistry, type RegistryBackends } from './open-registry.ts';
import { seedRegistry } from './seed/seed-registry.ts';
import type { Registry } from './service/registry.ts';
import type { RegistryOptions } from './service/registry-options.ts';

/** Where and how to run a registry server. */
export interface StartRegistryOptions {
  /** The folder of the embedded defaults (SQLite + blobs on disk); claimed by this server. */
  readonly dataDir?: string;
  /** Other backends (PostgreSQL metadata, S3 blobs) for stateless replicas; see openRegistry. */
  readonly backends?: Omit<RegistryBackends, 'dataDir'>;
  /** nginx X-Accel-Redirect mode: the internal location over the blob folder. */
  readonly accelRedirect?: string;
  /** Run background garbage collection (every `registry.gcIntervalSeconds`). @default false */
  readonly gc?: boolean;
  /** @default '127.0.0.1' */
  readonly host?: string;
  /** 0 picks a free port. @default 8080 */
  readonly port?: number;
  readonly publicUrl?: string;
  /** `true`: log every request and error; `'errors'`: server errors only (see createRegistryApp). */
  readonly logger?: boolean | 'errors';
  readonly registry?: Partial<RegistryOptions>;
  /** Import this seed folder (see seedRegistry) before accepting connections. */
  readonly seedDir?: string;
  /** How long close() lets running transfers finish before cutting them. @default 10000 */
  readonly shutdownGraceMs?: number;
}

/** A running registry server. */
export interface RunningRegistry {
  readonly url: string;
  readonly registry: Registry;
  readonly app: FastifyInstance;
  /** Stops accepting connections, finishes in-flight requests, closes the database. */
  close(): Promise<void>;
}

async function listen(app: FastifyInstance, host: string, port: number): Promise<void> {
  try {
    await app.listen({ host, port });
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'EADDRINUSE' || code === 'EACCES' || code === 'EADDRNOTAVAIL') {
      throw new ModelhubError('INVALID_ARGUMENT', `Cannot listen on ${host}:${port} (${String(code)}).`, {
        hint: 'Pick another --port (0 chooses a free one) or --host.',
        cause: error,
      });
    }
    throw error;
  }
}

/** Refuses a seed folder without a readable `seed.json` before anything is created. */
async function checkSeedDir(seedDir: string): Promise<void> {
  const file = join(seedDir, 'seed.json');
  try {
    await access(file, constants.R_OK);
  } catch (cause) {
    throw new ModelhubError('FILE_NOT_FOUND', `The seed folder ${seedDir} has no readable seed.json.`, {
      hint:
        'A seed folder holds seed.json ({"models":[{"repo":"ns/name","dir":"folder","aliases":[]}]}) and one ' +
        'folder per model. In a modelhub checkout, hub serve --seed without a folder builds the fixture models.',
      details: { seedDir, file },
      cause,
    });
  }
}

/**
 * Opens the registry in `dataDir` and serves it over HTTP until `close()`. A start that fails (a
 * missing seed, a busy port) leaves no data folder behind if it created it.
 */
export async function startRegistry(options: StartRegistryOptions): Promise<RunningRegistry> {
  const dataDir = options.dataDir;
  if (dataDir !== undefined) {
    assertRealFilesystem(dataDir, 'The data folder');
  }
  if (options.seedDir !== undefined) {
    await checkSeedDir(options.seedDir);
  }
  const created = dataDir !== undefined && !existsSync(dataDir);
  const forget = async (): Promise<void> => {
    if (created) {
      await rm(dataDir, { recursive: true, force: true });
    }
  };
  const backends: RegistryBackends = {
    ...options.backends,
    ...(dataDir === undefined ? {} : { dataDir }),
  };
  // A local folder belongs to one server (a second one would discard the first one's uploads in
  // progress); shared backends are made for any number of replicas.
  let release: () => Promise<void>;
  try {
    release =
      dataDir === undefined || isShared(backends) ? () => Promise.resolve() : await lockDataDir(dataDir);
  } catch (error) {
    await forget();
    throw error;
  }
  let registry: Registry;
  try {
    registry = await openRegistry(backends, options.registry);
  } catch (error) {
    await release();
    await forget();
    throw error;
  }
  const state = { draining: false };
  let app: FastifyInstance;
  try {
    app = createRegistryApp(registry, {
      state,
      ...(options.publicUrl === undefined ? {} : { publicUrl: options.publicUrl }),
      ...(options.logger === undefined ? {} : { logger: options.logger }),
      ...(options.accelRedirect === undefined ? {} : { accelRedirect: options.accelRedirect }),
    });
  } catch (error) {
    await registry.close();
    await release();
    await forget();
    throw error;
  }
  const host = options.host ?? '127.0.0.1';
  try {
    await registry.blobs.recover();
    if (options.seedDir !== undefined) {
      await seedRegistry(registry, options.seedDir);
    }
    await listen(app, host, options.port ?? 8080);
    if (options.gc === true) {
      registry.gc.start(registry.options.gcIntervalSeconds);
    }
  } catch (error) {
    await app.close();
    await registry.close();
    await release();
    await forget();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address !== null ? address.port : (options.port ?? 8080);
  const shownHost = host.includes(':') ? `[${host}]` : host;
  let closed: Promise<void> | undefined;
  return {
    url: options.publicUrl ?? `http://${shownHost}:${port}`,
    registry,
    app,
    close: () => {
      closed ??= (async () => {
        // Load balancers see /healthz turn 503 and stop sending requests; kept-alive
        // connections are closed after their current response.
        state.draining = true;
        app.server.closeIdleConnections();
        // Running downloads and uploads may finish; after the grace period they are cut (an
        // upload cut short leaves only a temp file, removed at the next start).
        const cut = setTimeout(() => {
          app.server.closeAllConnections();
        }, options.shutdownGraceMs ?? 10_000);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
        await registry.close();
        await release();
      })();
      return closed;
    },
  };
}
