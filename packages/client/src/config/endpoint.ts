import { ModelhubError } from '@modelhub/core';

/** The registry used when nothing names one. */
export const DEFAULT_ENDPOINT = 'https://huggingface.co';

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

/** True when both name the same registry (scheme, host, port and path prefix). */
export function sameEndpoint(a: string, b: string): boolean {
  try {
    return normalizeEndpoint(a) === normalizeEndpoint(b);
  } catch {
    return false;
  }
}
