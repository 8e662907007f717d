import type { ClientOptions } from '@modelhub/client';

import type { GlobalOptions } from '../program.ts';

/**
 * Turns the global flags into client options. Flags win; the client fills the rest from the
 * environment (`HUB_ENDPOINT`/`HF_ENDPOINT`, `HUB_TOKEN`/`HF_TOKEN`, `HUB_CACHE`, `HF_HUB_CACHE`,
 * `HUB_OFFLINE`/`HF_HUB_OFFLINE`) and the `hub login` store. Every command that reaches a registry
 * or the model cache builds its options here.
 */
export function clientOptionsFrom(
  globals: GlobalOptions,
  env: Readonly<Record<string, string | undefined>> = process.env,
): ClientOptions {
  return {
    endpoint: globals.endpoint,
    token: globals.token,
    cacheDir: globals.cacheDir,
    ...(globals.offline === true ? { offline: true } : {}),
    env,
  };
}
