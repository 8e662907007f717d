import { ZodError } from 'zod';

import { isModelhubError } from '@modelhub/core';

/** How an error travels on the wire: status, `X-Error-Code`, message, extra headers. */
export interface HttpError {
  readonly status: number;
  readonly errorCode: string | undefined;
  readonly message: string;
  readonly headers: Readonly<Record<string, string>>;
}

const statusOf: Readonly<Record<string, number>> = {
  REVISION_NOT_FOUND: 404,
  ENTRY_NOT_FOUND: 404,
  ALIAS_NOT_FOUND: 404,
  AUTH_REQUIRED: 401,
  AUTH_INVALID_TOKEN: 401,
  AUTH_FORBIDDEN: 403,
  CONFLICT: 409,
  STALE_PARENT_COMMIT: 412,
  OBJECT_NOT_VERIFIED: 422,
  UNAVAILABLE: 503,
  PAYLOAD_TOO_LARGE: 413,
  DISK_FULL: 507,
  INTEGRITY_MISMATCH: 400,
  INVALID_ARGUMENT: 400,
  INVALID_INPUT: 400,
  INVALID_MODEL_REF: 400,
};

const hubCodeOf: Readonly<Record<string, string>> = {
  REPO_NOT_FOUND: 'RepoNotFound',
  REVISION_NOT_FOUND: 'RevisionNotFound',
  ENTRY_NOT_FOUND: 'EntryNotFound',
  ALIAS_NOT_FOUND: 'AliasNotFound',
  INTEGRITY_MISMATCH: 'BadDigest',
};

/**
 * Maps any thrown value to its HTTP form (hub-protocol.md §1.2). A repo the caller cannot see is
 * 401 for anonymous callers and 404 otherwise, always with `X-Error-Code: RepoNotFound`.
 */
export function toHttpError(error: unknown): HttpError {
  if (isModelhubError(error)) {
    const headers: Record<string, string> = {};
    const commit = error.details['commit'];
    if (error.code === 'ENTRY_NOT_FOUND' && typeof commit === 'string') {
      headers['x-repo-commit'] = commit;
    }
    if (error.code === 'UNAVAILABLE') {
      const retryAfter = error.details['retryAfter'];
      headers['retry-after'] = String(typeof retryAfter === 'number' ? retryAfter : 1);
    }
    const status =
      error.code === 'REPO_NOT_FOUND'
        ? error.details['anonymous'] === true
          ? 401
          : 404
        : (statusOf[error.code] ?? 500);
    return { status, errorCode: hubCodeOf[error.code], message: error.message, headers };
  }
  if (error instanceof ZodError) {
    const first = error.issues[0];
    return {
      status: 400,
      errorCode: undefined,
      message: `Invalid request body${first === undefined ? '' : ` at ${first.path.join('.') || 'root'}: ${first.message}`}`,
      headers: {},
    };
  }
  if (error instanceof URIError || error instanceof SyntaxError) {
    return { status: 400, errorCode: undefined, message: error.message, headers: {} };
  }
  const errno = (error as { code?: unknown } | null)?.code;
  if (errno === 'ENOSPC' || errno === 'EDQUOT') {
    return { status: 507, errorCode: undefined, message: 'The registry is out of disk space.', headers: {} };
  }
  const status = (error as { statusCode?: unknown } | null)?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, errorCode: undefined, message: (error as Error).message, headers: {} };
  }
  return { status: 500, errorCode: undefined, message: 'Internal server error', headers: {} };
}

/** A header-safe copy of a message (no newlines, Latin-1 only). */
export function headerSafe(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, ' ').slice(0, 500);
}
