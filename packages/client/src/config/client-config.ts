import { join } from 'node:path';

import { assertRealFilesystem } from '@modelhub/core';

import { resolveToken, type TokenSource, type SkippedToken, type TokenStores } from '../auth/token-scope.ts';
import { huggingFaceCacheRoot, modelhubCacheBase, nonEmpty, truthy, type Env } from './config-paths.ts';
import { DEFAULT_ENDPOINT, isHuggingFaceEndpoint, normalizeEndpoint } from './endpoint.ts';

export { DEFAULT_ENDPOINT, isHuggingFaceEndpoint, normalizeEndpoint, sameEndpoint } from './endpoint.ts';
export { configDir, huggingFaceCacheRoot, modelhubCacheBase } from './config-paths.ts';

/** What every client entry point accepts (a subset of `PullOptions`). */
export interface ClientOptions {
  /** Registry base URL; default from `HUB_ENDPOINT`, `HF_ENDPOINT`, then huggingface.co. */
  endpoint?: string | undefined;
  /**
   * Access token for `endpoint` (see {@link resolveToken} for where a token is sent). Default: the
   * token the environment scopes to the endpoint (`HUB_TOKEN`, `HF_TOKEN`, the `hub login` store,
   * the Hugging Face token file).
   */
  token?: string | undefined;
  /**
   * The endpoint `token` (and a `HUB_TOKEN` without `HUB_ENDPOINT`) was given for, when the call
   * goes to another one the client found itself (a head's base model on another registry): the
   * token then stays home. Default: the call's endpoint.
   */
  tokenEndpoint?: string | undefined;
  /**
   * Cache base folder. For huggingface.co it is the cache root itself (like `HF_HUB_CACHE`); for any
   * other registry the root is `<cacheDir>/<host>[_<port>]`.
   */
  cacheDir?: string | undefined;
  /** Serve from the cache only; default from `HUB_OFFLINE` / `HF_HUB_OFFLINE`. */
  offline?: boolean | undefined;
  /** Environment to read defaults from (tests pass their own); default `process.env`. */
  env?: Env | undefined;
  /**
   * Told about things that do not stop the call but that the user should know (a token the
   * registry rejected, so a public read went on without it). Default: `process.emitWarning`.
   */
  onWarning?: ((warning: ClientWarning) => void) | undefined;
}

/** Something a client call wants the user to know without failing. */
export interface ClientWarning {
  /**
   * TOKEN_REJECTED: a token was refused and the request went on without it; DISK_SPACE_LOW: a pull
   * needs more than the disk has free; HEAD_CHECK: a head's self-check came out differently where
   * it was loaded (`fromPretrained`).
   */
  readonly code: 'TOKEN_REJECTED' | 'DISK_SPACE_LOW' | 'HEAD_CHECK';
  readonly message: string;
}

/** Options after defaults: what the client actually uses. */
export interface ClientConfig {
  readonly endpoint: string;
  readonly token: string | undefined;
  /** Where `token` came from (never the token itself). */
  readonly tokenSource: TokenSource | undefined;
  /** Tokens that are set but not for this endpoint, and why (for `hub whoami`). */
  readonly skippedTokens: readonly SkippedToken[];
  /** The cache root of this endpoint: `models--ns--name` folders live directly under it. */
  readonly cacheRoot: string;
  readonly offline: boolean;
  readonly env: Env;
  readonly onWarning: (warning: ClientWarning) => void;
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
export function cacheRootFor(endpoint: string, cacheDir: string | undefined, env: Env): string {
  if (isHuggingFaceEndpoint(endpoint)) {
    return cacheDir ?? huggingFaceCacheRoot(env);
  }
  return join(cacheDir ?? modelhubCacheBase(env), endpointFolder(endpoint));
}

/** Applies the documented defaults; the token is the one scoped to the endpoint (`resolveToken`). */
export function resolveClientConfig(options: ClientOptions, stores?: TokenStores): ClientConfig {
  const env = options.env ?? process.env;
  const endpoint = normalizeEndpoint(
    nonEmpty(options.endpoint) ??
      nonEmpty(env['HUB_ENDPOINT']) ??
      nonEmpty(env['HF_ENDPOINT']) ??
      DEFAULT_ENDPOINT,
  );
  const { token, source, skipped } = resolveToken(
    endpoint,
    { token: options.token, tokenEndpoint: options.tokenEndpoint },
    env,
    stores,
  );
  const offline = options.offline ?? (truthy(env['HUB_OFFLINE']) || truthy(env['HF_HUB_OFFLINE']));
  const cacheRoot = cacheRootFor(endpoint, nonEmpty(options.cacheDir), env);
  // Before anything creates folders there: Node's recursive mkdir never returns inside /proc.
  assertRealFilesystem(cacheRoot, 'The model cache');
  return {
    endpoint,
    token,
    tokenSource: source,
    skippedTokens: skipped,
    cacheRoot,
    offline,
    env,
    onWarning: options.onWarning ?? ((w) => process.emitWarning(w.message, { code: `MODELHUB_${w.code}` })),
  };
}
