/**
 * @packageDocumentation
 * The `hub` command line and the library entry for applications.
 *
 * This module loads nothing else up front: every entry point checks the Node.js version first and
 * then loads its implementation, so an app on a Node without `node:sqlite` (older than 22.13)
 * gets UNSUPPORTED_RUNTIME with a hint at import time, not "No such built-in module" from deep
 * inside a dependency before any code runs.
 */
import { ModelhubError } from '@modelhub/core';

import { runtimeProblem } from './runtime-check.ts';
import type { buildProgram as BuildProgram, runCli as RunCli } from './program.ts';
import type { fromPretrained as FromPretrained, Pretrained } from './library/from-pretrained.ts';
import type { openBackbone as OpenBackbone, OpenedBackbone } from './library/open-backbone.ts';

export type { GlobalOptions, CommandRegistrar } from './program.ts';
export type { Io } from './output/error-boundary.ts';
export type {
  FromPretrainedOptions,
  Pretrained,
  PretrainedBackbone,
  PretrainedClassifier,
} from './library/from-pretrained.ts';
export type { OpenBackboneOptions, OpenedBackbone, BackbonePin } from './library/open-backbone.ts';

/** Throws UNSUPPORTED_RUNTIME on a Node.js older than modelhub needs (`MINIMUM_NODE`). */
function assertSupportedRuntime(): void {
  const problem = runtimeProblem(process.versions.node);
  if (problem !== undefined) {
    throw new ModelhubError('UNSUPPORTED_RUNTIME', problem.message, {
      hint: problem.hint,
      details: { node: process.versions.node },
    });
  }
}

assertSupportedRuntime();

/**
 * Loads a published model (a registry reference, or a local folder) in one call: a frozen
 * feature extractor for a backbone, a classifier bound to its verified base model for a head.
 * See `library/from-pretrained.ts`.
 */
export async function fromPretrained(...args: Parameters<typeof FromPretrained>): Promise<Pretrained> {
  return (await import('./library/from-pretrained.ts')).fromPretrained(...args);
}

/** Opens a model folder as a frozen feature extractor (see `library/open-backbone.ts`). */
export async function openBackbone(...args: Parameters<typeof OpenBackbone>): Promise<OpenedBackbone> {
  return (await import('./library/open-backbone.ts')).openBackbone(...args);
}

/** Runs the CLI with `argv` (without the node and script paths) and returns the exit code. */
export async function runCli(...args: Parameters<typeof RunCli>): Promise<number> {
  return (await import('./program.ts')).runCli(...args);
}

/** Builds the `hub` command tree (see `program.ts`). */
export async function buildProgram(
  ...args: Parameters<typeof BuildProgram>
): ReturnType<typeof BuildProgram> {
  return (await import('./program.ts')).buildProgram(...args);
}
