/**
 * Process exit codes of the `hub` command (the CLI contract in design.md).
 * Scripts depend on these numbers; never renumber them.
 */
export const ExitCode = {
  ok: 0,
  usage: 1,
  notFound: 2,
  integrity: 3,
  auth: 4,
  network: 5,
  /** Stopped by the user (SIGINT): 128 + 2, what a shell reports for a command killed by Ctrl-C. */
  interrupted: 130,
} as const;

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/**
 * Every stable error code, with the exit code it maps to. A code names what happened, never where
 * it happened, so the same code can be raised by the client, the registry or the trainer.
 */
export const errorCodes = {
  INVALID_ARGUMENT: ExitCode.usage,
  INVALID_MODEL_REF: ExitCode.usage,
  INVALID_MANIFEST: ExitCode.usage,
  INVALID_INPUT: ExitCode.usage,
  INVALID_DATASET: ExitCode.usage,
  UNSUPPORTED_MODEL: ExitCode.usage,
  BACKEND_UNAVAILABLE: ExitCode.usage,
  CONFLICT: ExitCode.usage,
  /** A commit named a parentCommit that is no longer the branch head (HTTP 412). */
  STALE_PARENT_COMMIT: ExitCode.usage,
  /** A commit referenced an LFS object whose upload was not finished and verified (HTTP 422). */
  OBJECT_NOT_VERIFIED: ExitCode.usage,
  /** The service cannot take the request now (draining, or its database is unreachable; HTTP 503). */
  UNAVAILABLE: ExitCode.network,
  DISK_FULL: ExitCode.usage,
  /** A computation needed more memory than its runtime can have (e.g. wasm's 4 GiB). */
  OUT_OF_MEMORY: ExitCode.usage,
  PAYLOAD_TOO_LARGE: ExitCode.usage,
  REPO_NOT_FOUND: ExitCode.notFound,
  REVISION_NOT_FOUND: ExitCode.notFound,
  ENTRY_NOT_FOUND: ExitCode.notFound,
  ALIAS_NOT_FOUND: ExitCode.notFound,
  NOT_IN_CACHE: ExitCode.notFound,
  INTEGRITY_MISMATCH: ExitCode.integrity,
  LOCKFILE_DRIFT: ExitCode.integrity,
  /** A file `hub export` built does not give its head's outputs on the probe input; nothing is written. */
  EXPORT_MISMATCH: ExitCode.integrity,
  AUTH_REQUIRED: ExitCode.auth,
  AUTH_INVALID_TOKEN: ExitCode.auth,
  AUTH_FORBIDDEN: ExitCode.auth,
  NETWORK_ERROR: ExitCode.network,
  NETWORK_TIMEOUT: ExitCode.network,
  HTTP_ERROR: ExitCode.network,
  OFFLINE: ExitCode.network,
  /** The user stopped the command (SIGINT); partial work is kept for the next run. */
  INTERRUPTED: ExitCode.interrupted,
  INTERNAL: ExitCode.usage,
  /** The Node.js running the CLI is too old (printed by the `hub` launcher before anything loads). */
  UNSUPPORTED_RUNTIME: ExitCode.usage,
  /** A file or folder the command reads does not exist (ENOENT). */
  FILE_NOT_FOUND: ExitCode.notFound,
  /** The system refused access (EACCES, EPERM: ownership, mode bits, an immutable folder). */
  PERMISSION_DENIED: ExitCode.usage,
  /** The path is on a filesystem mounted read-only (EROFS). */
  READ_ONLY_FILESYSTEM: ExitCode.usage,
  /** A path that must be a folder is a file (ENOTDIR, or EEXIST when creating the folder). */
  NOT_A_DIRECTORY: ExitCode.usage,
  /** A path that must be a file is a folder (EISDIR). */
  IS_A_DIRECTORY: ExitCode.usage,
  /** The disk or its driver failed a read or write (EIO). */
  IO_ERROR: ExitCode.usage,
  /** The path is on a pseudo filesystem (/proc, /sys…) that cannot hold modelhub's files. */
  UNSUPPORTED_FILESYSTEM: ExitCode.usage,
} as const satisfies Record<string, ExitCode>;

export type ErrorCode = keyof typeof errorCodes;

/** The exit code the CLI uses for an error code. */
export function exitCodeFor(code: ErrorCode): ExitCode {
  return errorCodes[code];
}
