import { describe, expect, it } from 'vitest';

import { ExitCode, errorCodes } from './error-codes.ts';
import { ModelhubError, isModelhubError } from './modelhub-error.ts';

describe('ModelhubError', () => {
  it('maps codes to the exit codes of the CLI contract', () => {
    expect(new ModelhubError('REPO_NOT_FOUND', 'x').exitCode).toBe(2);
    expect(new ModelhubError('INTEGRITY_MISMATCH', 'x').exitCode).toBe(3);
    expect(new ModelhubError('AUTH_FORBIDDEN', 'x').exitCode).toBe(4);
    expect(new ModelhubError('NETWORK_TIMEOUT', 'x').exitCode).toBe(5);
    expect(new ModelhubError('INVALID_ARGUMENT', 'x').exitCode).toBe(1);
    expect(new ModelhubError('INTERRUPTED', 'x').exitCode).toBe(130);
    expect(Object.values(errorCodes).every((c) => Object.values(ExitCode).includes(c))).toBe(true);
  });

  it('serialises to JSON with code, hint and details, and keeps the cause', () => {
    const cause = new Error('socket hang up');
    const error = new ModelhubError('NETWORK_ERROR', 'Could not reach the registry.', {
      hint: 'Check --endpoint.',
      details: { url: 'http://127.0.0.1:1' },
      cause,
    });
    expect(error.cause).toBe(cause);
    expect(JSON.parse(JSON.stringify(error))).toEqual({
      code: 'NETWORK_ERROR',
      message: 'Could not reach the registry.',
      hint: 'Check --endpoint.',
      details: { url: 'http://127.0.0.1:1' },
    });
  });

  it('is recognised by its brand, not its prototype', () => {
    const error = new ModelhubError('CONFLICT', 'x');
    const foreign = Object.assign(Object.create(null) as object, { [Symbol.for('modelhub.error')]: true });
    expect(isModelhubError(error)).toBe(true);
    expect(isModelhubError(foreign)).toBe(true);
    expect(isModelhubError(new Error('x'))).toBe(false);
    expect(isModelhubError(null)).toBe(false);
  });
});
