import { ExitCode, filesystemError, isModelhubError } from '@modelhub/core/errors';

/** Where the CLI writes; injected so tests can capture it. */
export interface Io {
  stdout(text: string): void;
  stderr(text: string): void;
}

export const processIo: Io = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * The one place where errors become output and exit codes. A known error (a ModelhubError, or a
 * failed file system call mapped by `filesystemError`) prints its message and a hint (or one JSON
 * document under `--json`); anything else is a bug and prints its stack.
 */
export function reportError(thrown: unknown, io: Io, json: boolean): number {
  // A failed file system call (read-only disk, permissions, a file where a folder belongs) is the
  // user's situation, not a bug: it gets a stable code and a hint like any other known error.
  const error = filesystemError(thrown) ?? thrown;
  if (isModelhubError(error)) {
    if (json) {
      io.stdout(`${JSON.stringify({ error: error.toJSON() })}\n`);
    } else {
      io.stderr(`error [${error.code}]: ${error.message}\n`);
      if (error.hint !== undefined) {
        io.stderr(`hint: ${error.hint}\n`);
      }
    }
    return error.exitCode;
  }
  const stack = error instanceof Error ? (error.stack ?? error.message) : String(error);
  if (json) {
    io.stdout(`${JSON.stringify({ error: { code: 'INTERNAL', message: stack } })}\n`);
  } else {
    io.stderr(
      `internal error: ${stack}\nThis is a bug in modelhub; please report it with the command you ran.\n`,
    );
  }
  return ExitCode.usage;
}
