/**
 * The error contract alone (`@modelhub/core/errors`): codes, exit codes and `ModelhubError`,
 * without the schemas (and zod) the package's main entry loads. The `hub` launcher's first
 * modules import this, so `hub --version` and usage errors load no validation library.
 */
export { ExitCode, errorCodes, exitCodeFor } from './errors/error-codes.ts';
export type { ErrorCode } from './errors/error-codes.ts';
export { ModelhubError, isModelhubError } from './errors/modelhub-error.ts';
export type { ModelhubErrorOptions } from './errors/modelhub-error.ts';
export { filesystemError, assertWritableLocation } from './errors/filesystem-error.ts';
// The path checks every command runs before it starts (program.ts's preAction hook).
export { assertRealFilesystem } from './files/pseudo-filesystem.ts';
