import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';

import { ModelhubError } from '@modelhub/core';

/** Where Hub repos keep their ONNX graph, in order of preference (transformers.js layout first). */
const PREFERRED = ['model.onnx', 'onnx/model.onnx'];

async function onnxFilesIn(dir: string): Promise<string[]> {
  try {
    const names = await readdir(dir);
    // edited copies written next to a model with external data are ours, not the publisher's
    return names
      .filter((n) => n.endsWith('.onnx') && !/\.tap-[0-9a-f-]+\.onnx$/.test(n))
      .map((n) => join(dir, n));
  } catch {
    return [];
  }
}

/** The ONNX files of a model folder (root and `onnx/`), or [] when there are none. */
export async function listOnnxFiles(modelDir: string): Promise<string[]> {
  return [...(await onnxFilesIn(modelDir)), ...(await onnxFilesIn(join(modelDir, 'onnx')))];
}

/**
 * The one ONNX graph of a model folder: `model.onnx`, `onnx/model.onnx`, or the only `.onnx` file.
 * Throws NOT_FOUND-style errors naming the folder otherwise.
 */
export async function findModelFile(modelDir: string): Promise<string> {
  try {
    if (!(await stat(modelDir)).isDirectory()) {
      throw new Error('not a directory');
    }
  } catch (error) {
    throw new ModelhubError('INVALID_ARGUMENT', `${modelDir} is not a model folder.`, {
      hint: 'Pass a folder holding a .onnx file, or a registry reference such as namespace/name.',
      cause: error,
    });
  }
  const files = await listOnnxFiles(modelDir);
  for (const p of PREFERRED) {
    const path = join(modelDir, p);
    if (files.includes(path)) {
      return path;
    }
  }
  const [only, ...rest] = files;
  if (only !== undefined && rest.length === 0) {
    return only;
  }
  if (only === undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `${modelDir} holds no .onnx file.`, {
      hint: 'Check the folder, or use the TF.js adapter for model.json folders.',
      details: { modelDir },
    });
  }
  throw new ModelhubError(
    'UNSUPPORTED_MODEL',
    `${modelDir} holds several ONNX graphs (${files.map((f) => relative(modelDir, f)).join(', ')}); none is named model.onnx.`,
    { hint: 'Keep one graph in the folder, or name the one to use model.onnx.', details: { files } },
  );
}
