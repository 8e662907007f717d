import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { assertWritableLocation, filesystemError } from './filesystem-error.ts';

const scratch = mkdtempSync(join(tmpdir(), 'modelhub-fs-error-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function errno(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: ${syscall} '${path}'`), { code, syscall, path, errno: -1 });
}

describe('filesystemError', () => {
  it('maps what Node throws to a stable code, the action, the path and a hint', () => {
    const cases: [string, string, string][] = [
      ['EACCES', 'open', 'PERMISSION_DENIED'],
      ['EPERM', 'open', 'PERMISSION_DENIED'],
      ['EROFS', 'open', 'READ_ONLY_FILESYSTEM'],
      ['ENOTDIR', 'open', 'NOT_A_DIRECTORY'],
      ['EISDIR', 'open', 'IS_A_DIRECTORY'],
      ['ENOENT', 'open', 'FILE_NOT_FOUND'],
      ['ENOSPC', 'write', 'DISK_FULL'],
      ['EIO', 'read', 'IO_ERROR'],
    ];
    for (const [code, syscall, expected] of cases) {
      const mapped = filesystemError(errno(code, syscall, '/some/where'));
      expect(mapped?.code).toBe(expected);
      expect(mapped?.message).toContain('/some/where');
      expect(mapped?.message).toContain(`(${code})`);
      expect(mapped?.hint).toBeTruthy();
    }
  });

  it('reads EEXIST from mkdir as a file in the way', () => {
    const file = join(scratch, 'a-file');
    writeFileSync(file, 'x');
    const mapped = filesystemError(errno('EEXIST', 'mkdir', file));
    expect(mapped).toMatchObject({ code: 'NOT_A_DIRECTORY' });
    expect(mapped?.message).toBe(
      `Cannot create the folder ${file}: a file is in the way where a folder is needed (ENOTDIR).`,
    );
  });

  it('finds the real cause when a recursive mkdir only says ENOENT', () => {
    const file = join(scratch, 'blocker');
    writeFileSync(file, 'x');
    expect(filesystemError(errno('ENOENT', 'mkdir', join(file, 'a', 'b')))?.code).toBe('NOT_A_DIRECTORY');
  });

  it('leaves other errors alone', () => {
    expect(filesystemError(new Error('plain'))).toBeUndefined();
    expect(filesystemError(Object.assign(new Error('x'), { code: 'ERR_INVALID_ARG_TYPE' }))).toBeUndefined();
    expect(filesystemError(errno('ECONNRESET', 'read', '/x'))).toBeUndefined();
  });
});

describe('assertWritableLocation', () => {
  it('passes a new folder under a writable one, and refuses one under a file', () => {
    expect(() => assertWritableLocation(join(scratch, 'new', 'head'), '--out')).not.toThrow();
    const file = join(scratch, 'plain');
    writeFileSync(file, 'x');
    expect(() => assertWritableLocation(join(file, 'head'), '--out')).toThrow(
      expect.objectContaining({
        code: 'NOT_A_DIRECTORY',
        message: expect.stringContaining('--out') as string,
      }) as Error,
    );
  });
});
