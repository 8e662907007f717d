import { ModelhubError } from '@modelhub/core';

const namePattern = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/;

/** Checks a user, namespace, repo or alias name; returns it unchanged or throws INVALID_ARGUMENT. */
export function validName(kind: string, value: string): string {
  if (!namePattern.test(value) || value.includes('--') || value.includes('..')) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(value)} is not a valid ${kind}.`, {
      hint: 'Use letters, digits, "-", "_" and "."; no "--" or ".."; at most 96 characters.',
    });
  }
  return value;
}

/** Checks a branch or tag name; returns it unchanged or throws INVALID_ARGUMENT. */
export function validRefName(kind: string, value: string): string {
  const ok =
    /^[A-Za-z0-9._/-]{1,200}$/.test(value) &&
    !value.includes('..') &&
    !value.includes('//') &&
    !value.startsWith('/') &&
    !value.endsWith('/') &&
    !value.endsWith('.lock') &&
    value !== 'HEAD' &&
    // A name starting with a commit sha would be ambiguous in /resolve/{sha}/{path} URLs.
    !/^[0-9a-f]{40}(\/|$)/.test(value);
  if (!ok) {
    throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(value)} is not a valid ${kind} name.`, {
      hint: 'Use letters, digits, ".", "_", "-" and "/" (not "..", not a commit sha, not HEAD).',
    });
  }
  return value;
}
