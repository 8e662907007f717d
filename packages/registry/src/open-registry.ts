import { join } from 'node:path';

import { SqliteMetadataStore } from './metadata/sqlite-metadata-store.ts';
import { Registry } from './service/registry.ts';
import { registryOptions, type RegistryOptions } from './service/registry-options.ts';
import { FsBlobStore } from './storage/fs-blob-store.ts';

/**
 * Opens (creating if needed) the embedded registry whose state lives in `dataDir`: metadata in
 * `metadata.sqlite` (WAL), blobs under `storage/`. Unfinished uploads from a previous run are
 * discarded on open.
 */
export async function openRegistry(
  dataDir: string,
  options: Partial<RegistryOptions> = {},
): Promise<Registry> {
  const metadata = new SqliteMetadataStore(join(dataDir, 'metadata.sqlite'));
  try {
    const blobs = new FsBlobStore(join(dataDir, 'storage'));
    return await Registry.open(metadata, blobs, registryOptions(options));
  } catch (error) {
    await metadata.close();
    throw error;
  }
}
