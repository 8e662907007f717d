/**
 * @packageDocumentation
 * The `hub` command line and the library entry for applications.
 */
export { runCli, buildProgram } from './program.ts';
export type { GlobalOptions, CommandRegistrar } from './program.ts';
export type { Io } from './output/error-boundary.ts';
