import type { ClientOptions } from '@modelhub/client';

import { processIo, type Io } from '../output/error-boundary.ts';
import type { GlobalOptions } from '../program.ts';

let warnings: Io = processIo;

/** Sends the client's warnings (a rejected token…) to the running command's output. */
export function routeWarnings(io: Io): void {
  warnings = io;
}

/**
 * Turns the global flags into client options. Flags win; the client fills the rest from the
 * environment (`HUB_ENDPOINT`/`HF_ENDPOINT`, `HUB_CACHE`, `HF_HUB_CACHE`,
 * `HUB_OFFLINE`/`HF_HUB_OFFLINE`) and picks the token scoped to the endpoint (`HUB_TOKEN`,
 * `HF_TOKEN`, the `hub login` store: see `resolveToken`). Every command that reaches a registry or
 * the model cache builds its options here; client warnings print as `warning: …` on stderr.
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
    onWarning: (warning) => warnings.stderr(`warning: ${warning.message}\n`),
  };
}
