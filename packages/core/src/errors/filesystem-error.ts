import { accessSync, constants, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

import type { ErrorCode } from './error-codes.ts';
import { ModelhubError, isModelhubError } from './modelhub-error.ts';

/** What Node puts on a failed file system call. */
interface ErrnoLike {
  readonly code: string;
  readonly syscall?: string;
  readonly path?: string;
  readonly dest?: string;
}

function errnoOf(error: unknown): ErrnoLike | undefined {
  if (typeof error !== 'object' || error === null || isModelhubError(error)) {
    return undefined;
  }
  const { code, syscall, path } = error as { code?: unknown; syscall?: unknown; path?: unknown };
  if (
    typeof code !== 'string' ||
    !/^E[A-Z]+$/.test(code) ||
    (typeof syscall !== 'string' && typeof path !== 'string')
  ) {
    return undefined;
  }
  return error as ErrnoLike;
}

const verbs: Readonly<Record<string, string>> = {
  mkdir: 'create the folder',
  open: 'open',
  read: 'read',
  write: 'write',
  rename: 'move',
  copyfile: 'copy',
  unlink: 'remove',
  rmdir: 'remove',
  rm: 'remove',
  scandir: 'list',
  opendir: 'list',
  stat: 'find',
  lstat: 'find',
  statfs: 'inspect',
  symlink: 'link',
  link: 'link',
  chmod: 'change the mode of',
  utime: 'touch',
  access: 'access',
  ftruncate: 'resize',
  fsync: 'flush',
};

const reasons: Readonly<Record<string, [ErrorCode, string, string]>> = {
  ENOENT: [
    'FILE_NOT_FOUND',
    'it does not exist',
    'Check the path (it is taken relative to the current folder).',
  ],
  EACCES: [
    'PERMISSION_DENIED',
    'permission denied',
    'Check who owns the folder and its mode (ls -ld), or choose a folder you can write to.',
  ],
  EPERM: [
    'PERMISSION_DENIED',
    'the operation is not permitted',
    'The file or folder may be immutable (lsattr -d PATH; chattr -i PATH) or owned by someone else; choose another folder.',
  ],
  EROFS: [
    'READ_ONLY_FILESYSTEM',
    'the filesystem is read-only',
    'Choose a folder on a writable disk (for the model cache: --cache-dir or HUB_CACHE).',
  ],
  ENOTDIR: [
    'NOT_A_DIRECTORY',
    'a file is in the way where a folder is needed',
    'Choose another path, or move that file away.',
  ],
  EISDIR: ['IS_A_DIRECTORY', 'it is a folder, not a file', 'Pass a file path.'],
  ENOSPC: [
    'DISK_FULL',
    'the disk is full',
    'Free some space (hub gc --max-size SIZE) or choose a bigger disk.',
  ],
  EDQUOT: [
    'DISK_FULL',
    'the disk quota is exhausted',
    'Free some space (hub gc --max-size SIZE) or choose another disk.',
  ],
  EIO: [
    'IO_ERROR',
    'the disk reported an I/O error',
    'Check the disk (dmesg); the data on it may be damaged.',
  ],
};

/** The nearest existing ancestor of `path` (itself if it exists). */
export function nearestExisting(path: string): string {
  let at = resolve(path);
  for (;;) {
    try {
      statSync(at);
      return at;
    } catch {
      const up = dirname(at);
      if (up === at) {
        return at;
      }
      at = up;
    }
  }
}

/**
 * Why creating a folder inside `path` fails, when the system only said ENOENT (a recursive mkdir
 * on a read-only mount or in an immutable folder does): the nearest existing ancestor is a file,
 * read-only, or not writable.
 */
function diagnoseCreate(path: string): string | undefined {
  const ancestor = nearestExisting(path);
  try {
    if (!statSync(ancestor).isDirectory()) {
      return 'ENOTDIR';
    }
    accessSync(ancestor, constants.W_OK);
    return undefined;
  } catch (error) {
    return (error as { code?: string }).code;
  }
}

/**
 * A failed file system call (EACCES, EPERM, EROFS, ENOTDIR, EEXIST on mkdir, ENOENT, EISDIR,
 * ENOSPC, EIO) as a coded error saying what could not be done to which path, and what to do;
 * undefined for anything else. The CLI's error boundary runs every unknown error through it.
 */
export function filesystemError(error: unknown): ModelhubError | undefined {
  const errno = errnoOf(error);
  if (errno === undefined) {
    return undefined;
  }
  let code = errno.code;
  if (errno.syscall === 'mkdir' && errno.path !== undefined) {
    if (code === 'EEXIST') {
      code = 'ENOTDIR';
    } else if (code === 'ENOENT') {
      code = diagnoseCreate(errno.path) ?? code;
    }
  }
  return describeErrno(code, { ...errno, cause: error });
}

/** The coded error for errno `code` on `call` (which syscall, which path), if modelhub knows it. */
function describeErrno(
  code: string,
  call: { syscall?: string; path?: string; dest?: string; role?: string; cause?: unknown },
): ModelhubError | undefined {
  const reason = reasons[code];
  if (reason === undefined) {
    return undefined;
  }
  const [modelhubCode, why, hint] = reason;
  const verb = verbs[call.syscall ?? ''] ?? 'use';
  const target = `${call.role === undefined ? '' : `${call.role} `}${call.path ?? 'a file'}`;
  const to = call.dest === undefined ? '' : ` to ${call.dest}`;
  return new ModelhubError(modelhubCode, `Cannot ${verb} ${target}${to}: ${why} (${code}).`, {
    hint,
    details: {
      errno: code,
      ...(call.syscall === undefined ? {} : { syscall: call.syscall }),
      ...(call.path === undefined ? {} : { path: call.path }),
      ...(call.dest === undefined ? {} : { dest: call.dest }),
    },
    ...(call.cause === undefined ? {} : { cause: call.cause }),
  });
}

/**
 * Fails early, with the same coded errors, when `path` (a folder or file a command is about to
 * create or overwrite) cannot be written: a file in the way, a read-only filesystem, no
 * permission, an immutable folder. `role` names the path (`--out`). Minutes of work that would
 * end in such an error then never start.
 */
export function assertWritableLocation(path: string, role: string): void {
  const full = resolve(path);
  const existing = nearestExisting(full);
  let code: string | undefined;
  try {
    const stats = statSync(existing);
    if (existing !== full && !stats.isDirectory()) {
      code = 'ENOTDIR';
    } else {
      accessSync(stats.isDirectory() ? existing : dirname(existing), constants.W_OK);
    }
  } catch (error) {
    code = (error as { code?: string }).code;
  }
  if (code !== undefined) {
    const failure = describeErrno(code, {
      syscall: existing === full ? 'write' : 'mkdir',
      path,
      role,
    });
    if (failure !== undefined) {
      throw failure;
    }
  }
}
