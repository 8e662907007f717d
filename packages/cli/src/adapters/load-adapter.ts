import { readdir } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError } from '@modelhub/core';
import type { ModelAdapter } from '@modelhub/core';

export type AdapterFormat = ModelAdapter['format'];

/** How each adapter module is imported: lazily, so a broken native runtime only fails when used. */
export type AdapterModules = Readonly<Record<AdapterFormat, () => Promise<ModelAdapter>>>;

export const adapterModules: AdapterModules = {
  onnx: async () => (await import('@modelhub/adapter-onnx')).onnxAdapter,
  tfjs: async () => (await import('@modelhub/adapter-tfjs')).tfjsAdapter,
};

const runtimes: Readonly<Record<AdapterFormat, string>> = {
  onnx: 'onnxruntime-node',
  tfjs: '@tensorflow/tfjs with the wasm backend',
};

/** Imports one adapter; an import failure (missing or broken native runtime) becomes BACKEND_UNAVAILABLE. */
export async function loadAdapter(
  format: AdapterFormat,
  modules: AdapterModules = adapterModules,
): Promise<ModelAdapter> {
  try {
    return await modules[format]();
  } catch (error) {
    const reason = error instanceof Error ? (error.message.split('\n')[0] ?? error.message) : String(error);
    throw new ModelhubError(
      'BACKEND_UNAVAILABLE',
      `The ${format} backend (${runtimes[format]}) cannot be loaded: ${reason}`,
      {
        hint:
          format === 'onnx'
            ? 'Reinstall onnxruntime-node (`npm install onnxruntime-node`); other formats keep working.'
            : 'Reinstall @tensorflow/tfjs and @tensorflow/tfjs-backend-wasm; other formats keep working.',
        details: { format },
        cause: error,
      },
    );
  }
}

/** Formats a folder looks like, from its file names only (no backend is imported for this). */
async function sniffFormats(modelDir: string): Promise<AdapterFormat[]> {
  const names = async (dir: string): Promise<string[]> => readdir(dir).catch(() => []);
  const files = [...(await names(modelDir)), ...(await names(join(modelDir, 'onnx')))];
  const formats: AdapterFormat[] = [];
  if (files.some((f) => f.endsWith('.onnx'))) {
    formats.push('onnx');
  }
  if (files.includes('model.json')) {
    formats.push('tfjs');
  }
  return formats;
}

/**
 * The adapter for a model folder: the formats its files suggest are imported in turn and the first
 * whose `detect()` accepts the folder wins. Only the chosen backend is ever loaded.
 */
export async function adapterFor(
  modelDir: string,
  modules: AdapterModules = adapterModules,
): Promise<ModelAdapter> {
  const formats = await sniffFormats(modelDir);
  for (const format of formats) {
    const adapter = await loadAdapter(format, modules);
    if (await adapter.detect(modelDir)) {
      return adapter;
    }
  }
  throw new ModelhubError(
    'UNSUPPORTED_MODEL',
    `${modelDir} holds no model modelhub can run (no .onnx file, no TF.js model.json).`,
    {
      hint: 'Supported formats: ONNX (model.onnx) and TF.js (model.json + weight shards).',
      details: { modelDir },
    },
  );
}
