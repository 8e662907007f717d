import { stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { pull, modelhubCacheBase } from '@modelhub/client';
import { ModelhubError } from '@modelhub/core';

import { clientOptionsFrom } from '../context/client-context.ts';
import type { GlobalOptions } from '../program.ts';

/** A model folder on disk, and how to name it in outputs and heads. */
export interface ResolvedModel {
  readonly dir: string;
  /** `namespace/name@commit` for pulled models, the absolute folder for local ones. */
  readonly modelId: string;
  /** Folder for derived artifacts (edited graphs). */
  readonly workDir: string;
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}

/**
 * MODEL as the model commands take it: an existing local folder, else a registry reference that
 * is pulled (or served from the cache) with the global options (via the CLI context).
 */
export async function resolveModel(model: string, global: GlobalOptions): Promise<ResolvedModel> {
  const workDir = join(global.cacheDir ?? modelhubCacheBase(process.env), 'derived'); // as open-backbone's derivedDir
  if (await isDirectory(model)) {
    const dir = resolve(model);
    return { dir, modelId: dir, workDir };
  }
  if (model.startsWith('.') || model.startsWith('/')) {
    throw new ModelhubError('INVALID_ARGUMENT', `${model} is not a folder.`, {
      hint: 'Pass a model folder, or a registry reference such as namespace/name.',
    });
  }
  const pulled = await pull(model, clientOptionsFrom(global));
  return { dir: pulled.dir, modelId: `${pulled.repo}@${pulled.commit}`, workDir };
}
