import { exitCodeFor, type ErrorCode, type ExitCode } from './error-codes.ts';

const brand = Symbol.for('modelhub.error');

export interface ModelhubErrorOptions {
  /** What the user can do about it, in one sentence. Printed under the message by the CLI. */
  hint?: string;
  /** Machine-readable context (repo, path, url, expected and actual hashes…). Never holds a token. */
  details?: Readonly<Record<string, unknown>>;
  cause?: unknown;
}

/**
 * The base class of every error modelhub raises on purpose. It carries a stable `code`, the
 * `exitCode` the CLI exits with, and a `hint` telling the user what to do next.
 */
export class ModelhubError extends Error {
  override name = 'ModelhubError';
  readonly code: ErrorCode;
  readonly hint: string | undefined;
  readonly details: Readonly<Record<string, unknown>>;
  readonly [brand] = true;

  constructor(code: ErrorCode, message: string, options: ModelhubErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
    this.details = options.details ?? {};
  }

  get exitCode(): ExitCode {
    return exitCodeFor(this.code);
  }

  /** A plain object for `--json` output and logs. */
  toJSON(): { code: ErrorCode; message: string; hint?: string; details: Readonly<Record<string, unknown>> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.hint === undefined ? {} : { hint: this.hint }),
      details: this.details,
    };
  }
}

/**
 * True for any modelhub error, even one thrown by another copy of the package (it checks a
 * `Symbol.for` brand, not the prototype chain).
 */
export function isModelhubError(value: unknown): value is ModelhubError {
  return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
}
