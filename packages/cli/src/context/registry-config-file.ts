import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';

import type { Command } from 'commander';
import { parse } from 'yaml';
import * as z from 'zod';

import { ModelhubError } from '@modelhub/core';
import { parseSize } from '@modelhub/client';

import type { RegistryOptions } from '@modelhub/registry';

/** A byte count written as a number or as a size (`8MiB`, `2GB`). */
const Size = z.union([z.number().int().positive(), z.string().transform((text) => parseSize(text))]);
const Seconds = z.number().int().nonnegative();

/**
 * `--config registry.yaml|json` (YAML parses JSON too): the flags of `hub serve` and of every
 * command that opens a registry, under their camelCase names, plus the tunables that have no flag.
 * Secrets stay out: the database password comes from PGPASSWORD, S3 keys from AWS_* variables.
 */
const RegistryConfigSchema = z.strictObject({
  // Backends (every registry command).
  data: z.string().optional(),
  metadata: z.string().optional(),
  blobs: z.string().optional(),
  s3Endpoint: z.string().optional(),
  s3PublicEndpoint: z.string().optional(),
  signingKeyFile: z.string().optional(),
  poolSize: z.number().int().positive().optional(),
  // hub serve
  host: z.string().optional(),
  port: z.number().int().min(0).max(65535).optional(),
  publicUrl: z.string().optional(),
  log: z.boolean().optional(),
  redirect: z.boolean().optional(),
  accelRedirect: z.string().optional(),
  gcInterval: Seconds.optional(),
  gcGrace: Seconds.optional(),
  // Tunables without a flag.
  downloadUrlTtl: Seconds.optional(),
  uploadUrlTtl: Seconds.optional(),
  lfsThreshold: Size.optional(),
  multipartThreshold: Size.optional(),
  multipartChunkSize: Size.optional(),
  maxObjectSize: Size.optional(),
});

export type RegistryConfig = z.infer<typeof RegistryConfigSchema>;

/** The file's keys that carry no flag, as registry options. */
export type RegistryTunables = Partial<
  Pick<
    RegistryOptions,
    | 'downloadUrlTtl'
    | 'uploadUrlTtl'
    | 'lfsThreshold'
    | 'multipartThreshold'
    | 'multipartChunkSize'
    | 'maxObjectSize'
    | 'gcGraceSeconds'
    | 'gcIntervalSeconds'
  >
>;

/** Keys whose environment variable, when set, wins over the file (as it wins over the default). */
const ENV_OF: Readonly<Partial<Record<keyof RegistryConfig, string>>> = {
  metadata: 'MODELHUB_METADATA',
  blobs: 'MODELHUB_BLOBS',
  s3Endpoint: 'MODELHUB_S3_ENDPOINT',
  s3PublicEndpoint: 'MODELHUB_S3_PUBLIC_ENDPOINT',
  signingKeyFile: 'MODELHUB_SIGNING_KEY_FILE',
};

/** Keys naming files, read relative to the config file's folder. */
const PATHS: readonly (keyof RegistryConfig)[] = ['data', 'signingKeyFile'];

const SECRET_KEY = /secret|password|passwd|access.?key|token|credential/i;

function invalid(file: string, what: string, hint: string): ModelhubError {
  return new ModelhubError('INVALID_ARGUMENT', `${file}: ${what}`, { hint, details: { file } });
}

/** Reads and checks a registry config file; relative paths in it are resolved against its folder. */
export async function loadRegistryConfig(file: string): Promise<RegistryConfig> {
  const text = await readFile(file, 'utf8');
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw invalid(
      file,
      `is not valid YAML or JSON (${error instanceof Error ? error.message.split('\n')[0] : String(error)}).`,
      'Fix the syntax; see the README section "Run it on several machines" for an example.',
    );
  }
  const secrets = Object.keys(typeof raw === 'object' && raw !== null ? raw : {}).filter((key) =>
    SECRET_KEY.test(key),
  );
  if (secrets.length > 0) {
    throw invalid(
      file,
      `holds ${secrets.join(', ')}: secrets do not go in the config file.`,
      'Pass them as environment variables: PGPASSWORD, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY (the signing key goes in the file signingKeyFile names).',
    );
  }
  let parsed: RegistryConfig;
  try {
    const result = RegistryConfigSchema.safeParse(raw ?? {});
    if (!result.success) {
      const issue = result.error.issues[0];
      const where = issue?.path.join('.') ?? '';
      throw invalid(
        file,
        `${where === '' ? '' : `${where}: `}${issue?.message ?? 'invalid'}.`,
        `Allowed keys: ${Object.keys(RegistryConfigSchema.shape).join(', ')}.`,
      );
    }
    parsed = result.data;
  } catch (error) {
    // parseSize throws its own error for a size it cannot read: name the file.
    if (error instanceof ModelhubError && !error.message.startsWith(file)) {
      throw invalid(file, error.message, error.hint ?? '');
    }
    throw error;
  }
  if (parsed.metadata !== undefined && /^postgres(ql)?:\/\/[^/@]*:[^/@]*@/.test(parsed.metadata)) {
    throw invalid(
      file,
      'metadata holds a password in its URL: secrets do not go in the config file.',
      'Remove the password from the URL and export PGPASSWORD instead.',
    );
  }
  const base = dirname(resolve(file));
  const out: Record<string, unknown> = { ...parsed };
  for (const key of PATHS) {
    const value = parsed[key];
    if (typeof value === 'string') {
      out[key] = resolve(base, value);
    }
  }
  return out;
}

/** The registry options the file sets. */
export function tunablesOf(config: RegistryConfig): RegistryTunables {
  const pick = {
    downloadUrlTtl: config.downloadUrlTtl,
    uploadUrlTtl: config.uploadUrlTtl,
    lfsThreshold: config.lfsThreshold,
    multipartThreshold: config.multipartThreshold,
    multipartChunkSize: config.multipartChunkSize,
    maxObjectSize: config.maxObjectSize,
    gcGraceSeconds: config.gcGrace,
    gcIntervalSeconds: config.gcInterval,
  };
  return Object.fromEntries(Object.entries(pick).filter(([, v]) => v !== undefined));
}

/**
 * Fills the command's options from the file where neither the command line nor an environment
 * variable set them (precedence: flag > environment > file > default), and keeps the tunables
 * under `tunables`.
 */
export function applyRegistryConfig(
  command: Command,
  config: RegistryConfig,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const declared = new Set(command.options.map((o) => o.attributeName()));
  for (const [key, value] of Object.entries(config) as [keyof RegistryConfig, unknown][]) {
    const source = command.getOptionValueSource(key);
    const envName = ENV_OF[key];
    if (
      declared.has(key) &&
      (source === undefined || source === 'default') &&
      (envName === undefined || env[envName] === undefined)
    ) {
      command.setOptionValueWithSource(key, value, 'config');
    }
  }
  command.setOptionValueWithSource('tunables', tunablesOf(config), 'config');
}
