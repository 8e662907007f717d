import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';

import { ModelhubError } from '@modelhub/core';

/** The registry used when nothing names one. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

/** What every client entry point accepts (a subset of `PullOptions`). */
export interface ClientOptions {
  /** Registry base URL; default from `HUB_ENDPOINT`, `HF_ENDPOINT`, then huggingface.co. */
  endpoint?: string | undefined;
  /** Access token; default from `HUB_TOKEN`, `HF_TOKEN`, then the `hub login` store. */
  token?: string | undefined;
  /**
   * Cache base folder. For huggingface.co it is the cache root itself (like `HF_HUB_CACHE`); for any
   * other registry the root is `<cacheDir>/<host>[_<port>]`.
   */
  cacheDir?: string | undefined;
  /** Serve from the cache only; default from `HUB_OFFLINE` / `HF_HUB_OFFLINE`. */
  offline?: boolean | undefined;
  /** Environment to read defaults from (tests pass their own); default `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
}

/** Options after defaults: what the client actually uses. */
export interface ClientConfig {
  readonly endpoint: string;
  readonly token: string | undefined;
  /** The cache root of this endpoint: `models--ns--name` folders live directly under it. */
  readonly cacheRoot: string;
  readonly offline: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function truthy(value: string | undefined): boolean {
  return value !== undefined && /^(1|true|yes|on)$/i.test(value.trim());
}

/** Normalises an endpoint URL: http(s) only, no trailing slash, no query. */
export function normalizeEndpoint(endpoint: string): string {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch (cause) {
    throw new ModelhubError('INVALID_ARGUMENT', `The endpoint ${JSON.stringify(endpoint)} is not a URL.`, {
      hint: 'Pass --endpoint http(s)://host[:port].',
      cause,
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ModelhubError('INVALID_ARGUMENT', `The endpoint ${endpoint} is not http or https.`, {
      hint: 'Pass --endpoint http(s)://host[:port].',
    });
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, '')}`;
}

/** True for huggingface.co itself, whose cache is shared with the official clients. */
export function isHuggingFaceEndpoint(endpoint: string): boolean {
  return new URL(endpoint).host === 'huggingface.co';
}

/** The Hugging Face cache root, resolved as the official clients do. */
export function huggingFaceCacheRoot(env: Readonly<Record<string, string | undefined>>): string {
  const explicit = nonEmpty(env['HF_HUB_CACHE']) ?? nonEmpty(env['HUGGINGFACE_HUB_CACHE']);
  if (explicit !== undefined) {
    return explicit;
  }
  const hfHome = nonEmpty(env['HF_HOME']);
  if (hfHome !== undefined) {
    return join(hfHome, 'hub');
  }
  const xdg = nonEmpty(env['XDG_CACHE_HOME']);
  return join(xdg ?? join(homeOf(env), '.cache'), 'huggingface', 'hub');
}

function homeOf(env: Readonly<Record<string, string | undefined>>): string {
  const home = nonEmpty(env['HOME']) ?? homedir();
  return home === '' ? tmpdir() : home;
}

/** `HUB_CACHE`, else `~/.cache/modelhub`: the base under which non-HF registries get a folder each. */
export function modelhubCacheBase(env: Readonly<Record<string, string | undefined>>): string {
  return nonEmpty(env['HUB_CACHE']) ?? join(homeOf(env), '.cache', 'modelhub');
}

/** `host` or `host_port`, the per-registry folder name (so two registries never share refs). */
export function endpointFolder(endpoint: string): string {
  const url = new URL(endpoint);
  const host = url.hostname.replace(/^\[|\]$/g, '').replace(/:/g, '-');
  const base = url.port === '' ? host : `${host}_${url.port}`;
  const prefix = url.pathname.replace(/^\/+|\/+$/g, '');
  return prefix === '' ? base : `${base}_${prefix.replace(/[^A-Za-z0-9._-]/g, '-')}`;
}

/** The folder holding `models--ns--name` for one registry. */
export function cacheRootFor(
  endpoint: string,
  cacheDir: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string {
  if (isHuggingFaceEndpoint(endpoint)) {
    return cacheDir ?? huggingFaceCacheRoot(env);
  }
  return join(cacheDir ?? modelhubCacheBase(env), endpointFolder(endpoint));
}

/** Where `hub login` keeps tokens: `HUB_CONFIG_DIR`, else `$XDG_CONFIG_HOME/modelhub`, else `~/.config/modelhub`. */
export function configDir(env: Readonly<Record<string, string | undefined>>): string {
  return (
    nonEmpty(env['HUB_CONFIG_DIR']) ??
    join(nonEmpty(env['XDG_CONFIG_HOME']) ?? join(homeOf(env), '.config'), 'modelhub')
  );
}

/**
 * Applies the documented defaults. `tokenFromStore` is consulted last, so an explicit or
 * environment token always wins over a stored `hub login` token.
 */
export function resolveClientConfig(
  options: ClientOptions,
  tokenFromStore?: (endpoint: string) => string | undefined,
): ClientConfig {
  const env = options.env ?? process.env;
  const endpoint = normalizeEndpoint(
    nonEmpty(options.endpoint) ??
      nonEmpty(env['HUB_ENDPOINT']) ??
      nonEmpty(env['HF_ENDPOINT']) ??
      DEFAULT_ENDPOINT,
  );
  const token =
    nonEmpty(options.token) ??
    nonEmpty(env['HUB_TOKEN']) ??
    nonEmpty(env['HF_TOKEN']) ??
    tokenFromStore?.(endpoint);
  const offline = options.offline ?? (truthy(env['HUB_OFFLINE']) || truthy(env['HF_HUB_OFFLINE']));
  return {
    endpoint,
    token,
    cacheRoot: cacheRootFor(endpoint, nonEmpty(options.cacheDir), env),
    offline,
    env,
  };
}
