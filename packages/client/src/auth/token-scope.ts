import { nonEmpty, type Env } from '../config/config-paths.ts';
import { isHuggingFaceEndpoint, sameEndpoint } from '../config/endpoint.ts';
import { readHuggingFaceTokenFile, readLoginToken } from './token-store.ts';

/** Where a token came from; shown to the user (`hub whoami`, warnings), never the token itself. */
export type TokenSource = '--token' | 'HUB_TOKEN' | 'HF_TOKEN' | 'hub login' | 'HF token file';

/** A token that is set but was not sent to an endpoint, and why. */
export interface SkippedToken {
  readonly source: TokenSource;
  readonly reason: string;
}

/** The token an endpoint gets, where it came from, and which other tokens stayed home. */
export interface ScopedToken {
  readonly token: string | undefined;
  readonly source: TokenSource | undefined;
  readonly skipped: readonly SkippedToken[];
}

/** Where stored tokens are read from (tests pass their own). */
export interface TokenStores {
  readonly login: (endpoint: string, env: Env) => string | undefined;
  readonly huggingFaceFile: (env: Env) => string | undefined;
}

const fileStores: TokenStores = { login: readLoginToken, huggingFaceFile: readHuggingFaceTokenFile };

/**
 * The token sent to `endpoint`, scoped by host the way npm scopes `//host/:_authToken`, so a
 * secret only reaches the registry it was issued by:
 *
 * - `token` (`--token`, the `token` option) goes to the endpoint of the call it was given with
 *   (`tokenEndpoint`, default the call's endpoint), never to a registry the client found on its own.
 * - `HUB_TOKEN` goes to `HUB_ENDPOINT` when that is set; without it, like `--token`.
 * - `HF_TOKEN` and the Hugging Face token file go to huggingface.co, and to `HF_ENDPOINT` when the
 *   user set it (as the official client does).
 * - `hub login` stores one token per endpoint.
 *
 * The first that applies wins, in that order (`HF_TOKEN` before the `hub login` store, the file last).
 */
export function resolveToken(
  endpoint: string,
  given: { readonly token?: string | undefined; readonly tokenEndpoint?: string | undefined },
  env: Env,
  stores: TokenStores = fileStores,
): ScopedToken {
  const skipped: SkippedToken[] = [];
  const forCall = given.tokenEndpoint === undefined || sameEndpoint(given.tokenEndpoint, endpoint);
  const explicit = nonEmpty(given.token);
  if (explicit !== undefined) {
    if (forCall) {
      return { token: explicit, source: '--token', skipped };
    }
    skipped.push({ source: '--token', reason: `it was given for ${given.tokenEndpoint ?? ''}` });
  }
  const hubToken = nonEmpty(env['HUB_TOKEN']);
  if (hubToken !== undefined) {
    const hubEndpoint = nonEmpty(env['HUB_ENDPOINT']);
    if (hubEndpoint === undefined ? forCall : sameEndpoint(hubEndpoint, endpoint)) {
      return { token: hubToken, source: 'HUB_TOKEN', skipped };
    }
    skipped.push({
      source: 'HUB_TOKEN',
      reason:
        hubEndpoint === undefined
          ? `it was given for ${given.tokenEndpoint ?? ''}`
          : `it is only sent to HUB_ENDPOINT (${hubEndpoint})`,
    });
  }
  const hfEndpoint = nonEmpty(env['HF_ENDPOINT']);
  const huggingFace =
    isHuggingFaceEndpoint(endpoint) || (hfEndpoint !== undefined && sameEndpoint(hfEndpoint, endpoint));
  const hfReason = `it is only sent to huggingface.co${hfEndpoint === undefined ? '' : ` and HF_ENDPOINT (${hfEndpoint})`}`;
  const hfToken = nonEmpty(env['HF_TOKEN']);
  if (hfToken !== undefined) {
    if (huggingFace) {
      return { token: hfToken, source: 'HF_TOKEN', skipped };
    }
    skipped.push({ source: 'HF_TOKEN', reason: hfReason });
  }
  const stored = stores.login(endpoint, env);
  if (stored !== undefined) {
    return { token: stored, source: 'hub login', skipped };
  }
  const file = stores.huggingFaceFile(env);
  if (file !== undefined) {
    if (huggingFace) {
      return { token: file, source: 'HF token file', skipped };
    }
    skipped.push({ source: 'HF token file', reason: hfReason });
  }
  return { token: undefined, source: undefined, skipped };
}

/**
 * The hint for "no token for this endpoint": names the tokens that are set but stay home, so a
 * user with `HF_TOKEN` exported learns why it was not used here.
 */
export function missingTokenHint(endpoint: string, skipped: readonly SkippedToken[]): string {
  const why = skipped.map((s) => `${s.source} is set, but ${s.reason}`).join('; ');
  const how = `Pass --token, set HUB_TOKEN with HUB_ENDPOINT=${endpoint}, or run hub login --endpoint ${endpoint}.`;
  return why === '' ? how : `${why}. ${how}`;
}
