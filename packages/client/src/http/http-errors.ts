import { ModelhubError, isModelhubError, type ErrorCode } from '@modelhub/core';

import { errorCode, isRetryableNetworkError, RetryableStatus } from './retry-policy.ts';

function messageOf(headers: Readonly<Record<string, string | undefined>>, body: string): string | undefined {
  const header = headers['x-error-message'];
  if (header !== undefined && header !== '') {
    return header;
  }
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown };
    const text = json.error ?? json.message;
    if (typeof text === 'string') {
      return text;
    }
  } catch {
    // Not JSON.
  }
  const trimmed = body.trim();
  return trimmed !== '' && !trimmed.startsWith('<') ? trimmed.slice(0, 300) : undefined;
}

function text(value: unknown, fallback: string): string {
  return typeof value === 'string' ? value : fallback;
}

function describe(context: Readonly<Record<string, unknown>>): string {
  const repo = typeof context['repo'] === 'string' ? context['repo'] : undefined;
  const rev = typeof context['revision'] === 'string' ? context['revision'] : undefined;
  const path = typeof context['path'] === 'string' ? context['path'] : undefined;
  if (repo === undefined) {
    return text(context['url'], 'the registry');
  }
  return `${repo}${rev === undefined ? '' : `@${rev}`}${path === undefined ? '' : ` file ${path}`}`;
}

/**
 * The request path and the endpoint it should have had when an endpoint given with `/api` at its
 * end made the request go to `/api/api/…`. Only a 404 without the Hub's error code is read this
 * way: a registry legitimately mounted under a prefix ending in /api answers its own routes.
 */
function doubledApiPrefix(url: unknown): { path: string; root: string } | undefined {
  if (typeof url !== 'string') {
    return undefined;
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  const at = parsed.pathname.indexOf('/api/api/');
  if (at < 0) {
    return undefined;
  }
  return { path: parsed.pathname, root: `${parsed.origin}${parsed.pathname.slice(0, at)}` };
}

/**
 * Maps an HTTP error response to a coded error, by `X-Error-Code` first (the Hub's convention),
 * then by status. The context (repo, revision, path, url) goes into the details; never the token.
 */
export function errorFromResponse(
  status: number,
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  context: Readonly<Record<string, unknown>>,
): ModelhubError {
  const hubCode = headers['x-error-code'];
  const serverMessage = messageOf(headers, body);
  const what = describe(context);
  const details = { ...context, status, ...(hubCode === undefined ? {} : { errorCode: hubCode }) };
  const authenticated = context['authenticated'] === true;
  const make = (code: ErrorCode, message: string, hint?: string): ModelhubError =>
    new ModelhubError(code, message, { ...(hint === undefined ? {} : { hint }), details });
  const source =
    typeof context['tokenSource'] === 'string' ? `the token from ${context['tokenSource']}` : 'the token';
  if (context['tokenRejected'] === true && (status === 401 || status === 403 || status === 404)) {
    // The token was refused, and without it the registry does not show the repository.
    return make(
      'AUTH_INVALID_TOKEN',
      `The registry rejected ${source}, and ${what} cannot be read without a valid one.`,
      'Fix or replace that token (hub whoami shows which one is used), or run hub login.',
    );
  }
  switch (hubCode) {
    case 'RepoNotFound':
      return make(
        'REPO_NOT_FOUND',
        `The repository ${what} does not exist on ${text(context['endpoint'], 'the registry')}, or it is private.`,
        authenticated
          ? 'Check the name (hub search QUERY) and that your token can read it.'
          : 'Check the name (hub search QUERY); for a private repository pass --token or run hub login.',
      );
    case 'RevisionNotFound':
      return make(
        'REVISION_NOT_FOUND',
        `The revision of ${what} does not exist.`,
        'Use a branch, tag or commit sha of the repository (hub info MODEL).',
      );
    case 'EntryNotFound':
      return make(
        'ENTRY_NOT_FOUND',
        `The file ${what} does not exist.`,
        'List the repository files with hub info MODEL.',
      );
    case 'AliasNotFound':
      return make(
        'ALIAS_NOT_FOUND',
        `No alias ${text(context['alias'], '')} on the registry.`,
        'Use namespace/name, or hub search QUERY.',
      );
    case 'GatedRepo':
      return make(
        'AUTH_FORBIDDEN',
        `${what} is gated: your account has not been granted access.`,
        'Request access on the registry, then retry with your token.',
      );
    default:
      break;
  }
  if (status === 401) {
    return authenticated
      ? make(
          'AUTH_INVALID_TOKEN',
          `The registry refused ${source} for ${what}${serverMessage === undefined ? '' : `: ${serverMessage}`}.`,
          'Fix or replace that token (hub whoami shows which one is used), or run hub login again.',
        )
      : make(
          'AUTH_REQUIRED',
          `${what} needs authentication.`,
          'Pass --token, set HUB_TOKEN, or run hub login.',
        );
  }
  if (status === 403) {
    return make(
      'AUTH_FORBIDDEN',
      `The registry refused access to ${what}${serverMessage === undefined ? '' : `: ${serverMessage}`}.`,
      'Use a token with access to this repository.',
    );
  }
  if (status === 404 && hubCode === undefined) {
    const doubled = doubledApiPrefix(context['url']);
    if (doubled !== undefined) {
      return make(
        'INVALID_ARGUMENT',
        `The registry has no ${doubled.path} (404): the endpoint ends in /api, and every request adds /api itself.`,
        `Give the registry's root as the endpoint (--endpoint, HUB_ENDPOINT or HF_ENDPOINT): ${doubled.root}`,
      );
    }
  }
  if (status === 404) {
    return make('REPO_NOT_FOUND', `${what} was not found (404).`, 'Check the name and the --endpoint.');
  }
  if (status === 416) {
    return make('HTTP_ERROR', `The registry refused the byte range for ${what} (416).`);
  }
  return make(
    'HTTP_ERROR',
    `The registry answered ${status} for ${what}${serverMessage === undefined ? '' : `: ${serverMessage}`}.`,
    status === 429 || status >= 500 ? 'The registry is overloaded or failing; retry later.' : undefined,
  );
}

/** A transport failure (no HTTP response) as a coded error. */
export function networkError(cause: unknown, url: string): ModelhubError {
  const code = errorCode(cause) ?? 'unknown';
  const timeout = /TIMEOUT|ETIMEDOUT/.test(code);
  const host = new URL(url).host;
  return new ModelhubError(
    timeout ? 'NETWORK_TIMEOUT' : 'NETWORK_ERROR',
    `${timeout ? 'Timed out talking to' : 'Could not talk to'} ${host} (${code}).`,
    {
      hint: 'Check the network and --endpoint, or use --offline to serve from the cache.',
      details: { url, errno: code },
      cause,
    },
  );
}

/**
 * What a download reports once its retry loop gives up on `error`: a retryable status it kept
 * meeting as the registry's error for that status, a transport failure as a coded network error,
 * anything else (already coded, or a disk error such as ENOSPC) as it is. The small-file and the
 * large-file paths give up alike through this one mapping.
 */
export function downloadGaveUp(
  error: unknown,
  url: string,
  context: Readonly<Record<string, unknown>> | undefined,
): unknown {
  if (error instanceof RetryableStatus) {
    return errorFromResponse(error.status, {}, '', { ...context, url });
  }
  if (isModelhubError(error)) {
    return error;
  }
  return isRetryableNetworkError(error) ? networkError(error, url) : error;
}
