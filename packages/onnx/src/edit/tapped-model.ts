import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

import { ModelhubError, sha256 } from '@modelhub/core';

import { readMessages, readString } from '../wire/wire.ts';
import { DataType, StringStringEntryField, TensorField } from '../model/fields.ts';
import type { OnnxModel, TensorHeader } from '../model/onnx-model.ts';
import { addGraphOutputs } from './add-graph-outputs.ts';
import { markTappedModelUsed } from './tapped-model-use.ts';

/** Files an ONNX model keeps its tensors in (`external_data.location`), relative to the model. */
export function externalDataFiles(model: OnnxModel): string[] {
  const locations = new Set<string>();
  const visit = (t: TensorHeader): void => {
    if (!t.external) {
      return;
    }
    for (const entry of readMessages(t.fields, TensorField.externalData)) {
      if (readString(entry, StringStringEntryField.key) === 'location') {
        locations.add(readString(entry, StringStringEntryField.value) ?? '');
      }
    }
  };
  model.graph.initializers.forEach(visit);
  for (const n of model.graph.nodes) {
    for (const a of n.attributes.values()) {
      if (a.tensor !== undefined) {
        visit(a.tensor);
      }
    }
  }
  return [...locations].filter((l) => l !== '');
}

export interface TappedModel {
  /** Path of the edited model; load it by path so external data resolves. */
  readonly path: string;
  /** sha256 of the source model file. */
  readonly sourceSha256: string;
  /** True when this call wrote it (false: reused from the cache). */
  readonly created: boolean;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

async function writeAtomic(path: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(tmp, bytes);
  await rename(tmp, path);
}

/** Hard-links every external data file into `dir` (onnxruntime refuses symlinks that leave the model's folder). */
async function linkExternalData(
  modelPath: string,
  locations: readonly string[],
  dir: string,
): Promise<boolean> {
  try {
    for (const location of locations) {
      const target = resolve(dirname(modelPath), location);
      const linked = resolve(dir, location);
      if (!(await exists(linked))) {
        await mkdir(dirname(linked), { recursive: true });
        await link(target, linked);
      }
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Writes (once) a copy of `modelPath` with `tensors` added as float graph outputs, cached under
 * `workDir/onnx-taps/<source sha256>-<tap hash>/`, and returns its path (load it by path).
 * A model with external data needs its data files next to it: they are hard-linked into the
 * cache folder, or, where links are impossible (another file system), the edited model is written
 * next to the original as `<name>.tap-<key>.onnx`, so `location` strings resolve unchanged.
 */
export async function writeTappedModel(
  modelPath: string,
  model: OnnxModel,
  bytes: Uint8Array,
  tensors: readonly string[],
  workDir: string,
  /** The sha256 of `bytes` when the caller already knows it (it is not computed again). */
  knownSha256?: string,
): Promise<TappedModel> {
  const sourceSha256 = knownSha256 ?? sha256(bytes);
  const key = `${sourceSha256.slice(0, 24)}-${sha256(JSON.stringify(tensors)).slice(0, 12)}`;
  const dir = join(resolve(workDir), 'onnx-taps', key);
  const cached = join(dir, basename(modelPath));
  const beside = join(dirname(modelPath), `${basename(modelPath, '.onnx')}.tap-${key}.onnx`);
  for (const path of [cached, beside]) {
    if (await markTappedModelUsed(path)) {
      return { path, sourceSha256, created: false };
    }
  }
  const edited = addGraphOutputs(
    bytes,
    tensors.map((name) => ({ name, elemType: DataType.float })),
    basename(modelPath),
  );
  const locations = externalDataFiles(model);
  for (const location of locations) {
    const target = resolve(dirname(modelPath), location);
    if (!target.startsWith(resolve(dirname(modelPath))) || !(await exists(target))) {
      throw new ModelhubError(
        'UNSUPPORTED_MODEL',
        `${basename(modelPath)} refers to external data "${location}", which is missing.`,
        { hint: 'Pull the whole model folder (the .onnx_data files too).', details: { location } },
      );
    }
  }
  let path = cached;
  try {
    await mkdir(dir, { recursive: true });
    if (locations.length > 0 && !(await linkExternalData(modelPath, locations, dir))) {
      path = beside;
    }
    await writeAtomic(path, edited);
  } catch (error) {
    throw new ModelhubError('INTERNAL', `Could not write the edited model to ${dirname(path)}.`, {
      hint: 'Check that the work folder (and, for models with external data, the model folder) is writable.',
      cause: error,
    });
  }
  return { path, sourceSha256, created: true };
}

/** Reads a model file, mapping I/O errors to ModelhubError. */
export async function readModelFile(path: string): Promise<Uint8Array> {
  try {
    return await readFile(path);
  } catch (error) {
    throw new ModelhubError('ENTRY_NOT_FOUND', `Cannot read ${path}.`, { cause: error });
  }
}
