import { describe, expect, it } from 'vitest';

import { ModelhubError } from '@modelhub/core';

import { asDiskFullError, isDiskFull } from './disk-full.ts';

const coded = (code: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(code), { code, ...extra });

describe('isDiskFull', () => {
  it('recognises ENOSPC, EDQUOT and SQLITE_FULL (also extended codes)', () => {
    expect(isDiskFull(coded('ENOSPC'))).toBe(true);
    expect(isDiskFull(coded('EDQUOT'))).toBe(true);
    expect(isDiskFull(coded('ERR_SQLITE_ERROR', { errcode: 13 }))).toBe(true);
    expect(isDiskFull(coded('ERR_SQLITE_ERROR', { errcode: 13 | (1 << 8) }))).toBe(true);
    // SQLITE_IOERR_SHMSIZE: opening an existing WAL database on a full disk.
    expect(isDiskFull(coded('ERR_SQLITE_ERROR', { errcode: 4874 }))).toBe(true);
  });

  it('rejects everything else', () => {
    expect(isDiskFull(coded('EACCES'))).toBe(false);
    expect(isDiskFull(coded('ERR_SQLITE_ERROR', { errcode: 5 }))).toBe(false);
    expect(isDiskFull(coded('ERR_SQLITE_ERROR', { errcode: 10 }))).toBe(false);
    expect(isDiskFull(coded('ERR_SQLITE_ERROR', { errcode: 778 }))).toBe(false);
    expect(isDiskFull(new Error('no space left on device'))).toBe(false);
    expect(isDiskFull('ENOSPC')).toBe(false);
    expect(isDiskFull(null)).toBe(false);
  });
});

describe('asDiskFullError', () => {
  it('turns a raw disk-full error into DISK_FULL with a hint, keeping the cause', () => {
    const raw = coded('ERR_SQLITE_ERROR', { errcode: 13 });
    const error = asDiskFullError(raw, '/cache/root');
    expect(error).toBeInstanceOf(ModelhubError);
    expect(error).toMatchObject({
      code: 'DISK_FULL',
      exitCode: 1,
      details: { cacheRoot: '/cache/root' },
      cause: raw,
    });
    expect((error as ModelhubError).message).toContain('/cache/root');
    expect((error as ModelhubError).hint).toMatch(/--cache-dir/);
  });

  it('returns coded errors and unrelated errors unchanged', () => {
    const codedError = new ModelhubError('DISK_FULL', 'already coded');
    expect(asDiskFullError(codedError, '/c')).toBe(codedError);
    const other = coded('EACCES');
    expect(asDiskFullError(other, '/c')).toBe(other);
  });
});
