import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';

import { pull, type PullOptions, type PullResult } from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import { derivedDir, memoSha256Of } from '../library/open-backbone.ts';
import type { GlobalOptions } from '../program.ts';

/** A model folder on disk, and how to name it in outputs and heads. */
export interface ResolvedModel {
  readonly dir: string;
  /** `namespace/name@commit` for pulled models, the absolute folder for local ones. */
  readonly modelId: string;
  /** Folder for derived artifacts (edited graphs). */
  readonly workDir: string;
  /** sha256 of the model's files through the cache's memo (for the adapters' load plans). */
  readonly sha256Of: (path: string) => Promise<string>;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/** A model argument located on disk: a local folder as it is, or what `pull()` made of a reference. */
export interface LocatedModel {
  readonly dir: string;
  /** Set when the model came from a registry. */
  readonly pulled: PullResult | undefined;
}

/**
 * MODEL as every command takes it: an existing local folder, else a registry reference that is
 * pulled (or served from the cache). A path that does not exist is an error, not a reference.
 */
export async function locateModel(model: string, options: PullOptions): Promise<LocatedModel> {
  if (await isDirectory(model)) {
    return { dir: resolve(model), pulled: undefined };
  }
  if (model.startsWith('.') || model.startsWith('/')) {
    throw new ModelhubError('INVALID_ARGUMENT', `${model} is not a folder.`, {
      hint: 'Pass a model folder, or a registry reference such as namespace/name.',
    });
  }
  const pulled = await pull(model, options);
  return { dir: pulled.dir, pulled };
}

/** {@link locateModel} with the global options, plus the id outputs name it by and the work folder. */
export async function resolveModel(model: string, global: GlobalOptions): Promise<ResolvedModel> {
  const options = clientOptionsFrom(global);
  const { dir, pulled } = await locateModel(model, options);
  const modelId = pulled === undefined ? dir : `${pulled.repo}@${pulled.commit}`;
  return { dir, modelId, workDir: derivedDir(options), sha256Of: memoSha256Of(options) };
}
