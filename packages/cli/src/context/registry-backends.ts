import type { Command } from 'commander';

import type { RegistryBackends } from '@modelhub/registry';

import type { RegistryTunables } from './registry-config-file.ts';

/** The backend flags every registry command takes (`--data`, or `--metadata` + `--blobs`). */
export interface BackendFlags {
  readonly data?: string;
  readonly metadata?: string;
  readonly blobs?: string;
  readonly s3Endpoint?: string;
  readonly s3PublicEndpoint?: string;
  readonly signingKeyFile?: string;
  readonly poolSize?: number;
  /** A registry config file (YAML or JSON) filling what flags and environment leave out. */
  readonly config?: string;
  /** The config file's registry options that have no flag. */
  readonly tunables?: RegistryTunables;
}

/** Adds the backend flags to a command; `dataDefault` is `--data`'s default, if it has one. */
export function withBackendFlags(command: Command, dataDefault?: string): Command {
  return command
    .option(
      '--data <dir>',
      'folder holding the registry state (SQLite metadata + blobs; the embedded default)',
      dataDefault,
    )
    .option('--metadata <url>', 'metadata store: postgres://user@host:port/db (PGPASSWORD for the password)')
    .option(
      '--blobs <url>',
      'blob store: s3://bucket/prefix (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION)',
    )
    .option('--s3-endpoint <url>', 'S3 API endpoint of an S3-compatible store (MODELHUB_S3_ENDPOINT)')
    .option(
      '--s3-public-endpoint <url>',
      'endpoint named in presigned URLs, when clients reach the store elsewhere',
    )
    .option(
      '--signing-key-file <file>',
      'key every replica signs upload URLs with (default: one kept in the metadata)',
    )
    .option('--pool-size <n>', 'PostgreSQL connections of this process (default 10)', (v: string) =>
      Number(v),
    )
    .option(
      '--config <file>',
      'registry config file (YAML or JSON, the flags in camelCase; flags and MODELHUB_* variables win)',
    )
    .hook('preAction', async (self) => {
      const file = self.opts<BackendFlags>().config;
      if (file !== undefined) {
        // Loaded only when a file is given: the YAML parser is no cost of the other commands.
        const { applyRegistryConfig, loadRegistryConfig } = await import('./registry-config-file.ts');
        applyRegistryConfig(self, await loadRegistryConfig(file));
      }
    });
}

/** The backends named by the flags (environment variables fill what the flags leave out). */
export function backendsFrom(flags: BackendFlags, env: NodeJS.ProcessEnv = process.env): RegistryBackends {
  const metadata = flags.metadata ?? env['MODELHUB_METADATA'];
  const blobs = flags.blobs ?? env['MODELHUB_BLOBS'];
  const s3Endpoint = flags.s3Endpoint ?? env['MODELHUB_S3_ENDPOINT'];
  const s3PublicEndpoint = flags.s3PublicEndpoint ?? env['MODELHUB_S3_PUBLIC_ENDPOINT'];
  const signingKeyFile = flags.signingKeyFile ?? env['MODELHUB_SIGNING_KEY_FILE'];
  // --data is the home of whatever --metadata / --blobs leave on the embedded default.
  const data = metadata !== undefined && blobs !== undefined ? undefined : flags.data;
  return {
    ...(data === undefined ? {} : { dataDir: data }),
    ...(metadata === undefined ? {} : { metadata }),
    ...(blobs === undefined ? {} : { blobs }),
    ...(s3Endpoint === undefined ? {} : { s3Endpoint }),
    ...(s3PublicEndpoint === undefined ? {} : { s3PublicEndpoint }),
    ...(signingKeyFile === undefined ? {} : { signingKeyFile }),
    ...(flags.poolSize === undefined || Number.isNaN(flags.poolSize) ? {} : { poolSize: flags.poolSize }),
  };
}
