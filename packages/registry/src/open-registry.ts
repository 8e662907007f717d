import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError } from '@modelhub/core';

import type { MetadataStore } from './metadata/metadata-store.ts';
import { PostgresMetadataStore } from './metadata/postgres/postgres-metadata-store.ts';
import { SqliteMetadataStore } from './metadata/sqlite-metadata-store.ts';
import { Registry } from './service/registry.ts';
import { registryOptions, type RegistryOptions } from './service/registry-options.ts';
import type { BlobStore } from './storage/blob-store.ts';
import { FsBlobStore } from './storage/fs-blob-store.ts';
import { S3BlobStore } from './storage/s3-blob-store.ts';

/** Where a registry keeps its state; anything unset lives in `dataDir`. */
export interface RegistryBackends {
  /** The folder of the embedded defaults: `metadata.sqlite` and `storage/`. */
  readonly dataDir?: string;
  /** `postgres://user@host:port/db` (password from PGPASSWORD or the URL), or a SQLite file. */
  readonly metadata?: string;
  /** `s3://bucket/prefix` (credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY), or a folder. */
  readonly blobs?: string;
  /** The S3 API endpoint for an S3-compatible store (MinIO, Ceph…); AWS when unset. */
  readonly s3Endpoint?: string;
  /** The endpoint presigned URLs name, when clients reach the store at another address. */
  readonly s3PublicEndpoint?: string;
  /** @default AWS_REGION, else us-east-1 */
  readonly s3Region?: string;
  /** Connections per process for PostgreSQL. @default 10 */
  readonly poolSize?: number;
  /** A file whose content is the key every replica signs upload URLs with. */
  readonly signingKeyFile?: string;
}

/** Whether the backends are shared with other processes (no local folder lock needed). */
export function isShared(backends: RegistryBackends): boolean {
  return backends.metadata?.startsWith('postgres') === true;
}

function openMetadata(backends: RegistryBackends): Promise<MetadataStore> {
  const target = backends.metadata;
  if (target !== undefined && /^postgres(ql)?:\/\//.test(target)) {
    return PostgresMetadataStore.open({
      url: target,
      ...(backends.poolSize === undefined ? {} : { poolSize: backends.poolSize }),
    });
  }
  const file =
    target ?? (backends.dataDir === undefined ? undefined : join(backends.dataDir, 'metadata.sqlite'));
  if (file === undefined) {
    throw new ModelhubError('INVALID_ARGUMENT', 'No metadata store given.', {
      hint: 'Pass --data DIR, or --metadata postgres://… (or a SQLite file).',
    });
  }
  return Promise.resolve(new SqliteMetadataStore(file));
}

/** Parses `s3://bucket/prefix`. */
export function parseS3Url(url: string): { bucket: string; prefix: string } {
  const match = /^s3:\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])(?:\/(.*))?$/.exec(url);
  if (match?.[1] === undefined) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(url)} is not an S3 location.`, {
      hint: 'Use s3://bucket or s3://bucket/prefix.',
    });
  }
  return { bucket: match[1], prefix: (match[2] ?? '').replace(/\/+$/, '') };
}

function openBlobs(backends: RegistryBackends): BlobStore {
  const target = backends.blobs;
  if (target?.startsWith('s3://') === true) {
    return new S3BlobStore({
      ...parseS3Url(target),
      ...(backends.s3Endpoint === undefined ? {} : { endpoint: backends.s3Endpoint }),
      ...(backends.s3PublicEndpoint === undefined ? {} : { publicEndpoint: backends.s3PublicEndpoint }),
      ...(backends.s3Region === undefined ? {} : { region: backends.s3Region }),
    });
  }
  const dir = target ?? (backends.dataDir === undefined ? undefined : join(backends.dataDir, 'storage'));
  if (dir === undefined) {
    throw new ModelhubError('INVALID_ARGUMENT', 'No blob store given.', {
      hint: 'Pass --data DIR, or --blobs s3://bucket/prefix (or a folder).',
    });
  }
  return new FsBlobStore(dir);
}

/** The signing key in a file, as the hex secret the URL signer takes (any content works). */
async function signingKey(file: string | undefined): Promise<string | undefined> {
  if (file === undefined) {
    return undefined;
  }
  const content = (await readFile(file)).toString('utf8').trim();
  if (content.length < 16) {
    throw new ModelhubError('INVALID_ARGUMENT', `The signing key in ${file} is too short.`, {
      hint: 'Write at least 32 random bytes there, e.g. `openssl rand -hex 32 > signing.key`.',
    });
  }
  return createHash('sha256').update(content).digest('hex');
}

/**
 * Opens (creating if needed) a registry: the embedded defaults in `dataDir` (metadata in
 * `metadata.sqlite`, blobs under `storage/`), or PostgreSQL and S3 for several replicas.
 */
export async function openRegistry(
  backends: string | RegistryBackends,
  options: Partial<RegistryOptions> = {},
): Promise<Registry> {
  const config = typeof backends === 'string' ? { dataDir: backends } : backends;
  const metadata = await openMetadata(config);
  try {
    const blobs = openBlobs(config);
    return await Registry.open(
      metadata,
      blobs,
      registryOptions(options),
      await signingKey(config.signingKeyFile),
    );
  } catch (error) {
    await metadata.close();
    throw error;
  }
}
