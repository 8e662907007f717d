import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, it } from 'vitest';

import { metadataStoreConformance, startPostgres, type TestPostgres } from '@modelhub/testing';

import { PostgresMetadataStore } from '../src/metadata/postgres/postgres-metadata-store.ts';
import { SqliteMetadataStore } from '../src/metadata/sqlite-metadata-store.ts';

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
