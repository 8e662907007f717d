import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, it } from 'vitest';

import { PostgresMetadataStore, SqliteMetadataStore } from '@modelhub/registry';

import { metadataStoreConformance } from '../src/conformance/metadata-store-suite.ts';
import { startPostgres, type TestPostgres } from '../src/services/postgres-server.ts';

describe('MetadataStore conformance: SQLite', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'modelhub-meta-conf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  let n = 0;
  metadataStoreConformance(it, () => Promise.resolve(new SqliteMetadataStore(join(dir, `m${n++}.sqlite`))));
});

describe('MetadataStore conformance: PostgreSQL', () => {
  let server: TestPostgres;
  beforeAll(async () => {
    server = await startPostgres();
  }, 120_000);
  afterAll(async () => {
    await server.stop();
  });
  metadataStoreConformance(it, async () =>
    PostgresMetadataStore.open({ url: await server.createDatabase() }),
  );
});
