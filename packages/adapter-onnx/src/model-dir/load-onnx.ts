import { basename } from 'node:path';

import { ModelhubError } from '@modelhub/core';
import { requireImageSpec } from '@modelhub/core';
import type { InputSpec, PreprocessSpec, TensorInfo } from '@modelhub/core';
import { dataTypeName, readModelFile, readOnnxModel } from '@modelhub/onnx';
import type { OnnxModel, OnnxValueInfo } from '@modelhub/onnx';
import { resolvePreprocess, specOutputDims } from '@modelhub/vision';

import { findModelFile } from './find-model-file.ts';

/** A model folder's ONNX graph, read once. */
export interface LoadedOnnx {
  readonly modelDir: string;
  readonly modelPath: string;
  readonly source: string;
  readonly bytes: Uint8Array;
  readonly model: OnnxModel;
  /** Graph inputs that are fed at run time (initializers listed as inputs by old exporters excluded). */
  readonly inputs: readonly OnnxValueInfo[];
  readonly outputs: readonly OnnxValueInfo[];
}

export async function loadOnnx(modelDir: string): Promise<LoadedOnnx> {
  const modelPath = await findModelFile(modelDir);
  const bytes = await readModelFile(modelPath);
  const source = basename(modelPath);
  const model = readOnnxModel(bytes, modelPath);
  const inputs = model.graph.inputs.filter((i) => !model.graph.initializers.has(i.name));
  return { modelDir, modelPath, source, bytes, model, inputs, outputs: model.graph.outputs };
}

/** onnxruntime's names for element types (float32, int64, …). */
function runtimeTypeName(name: string): string {
  const names: Record<string, string> = { float: 'float32', double: 'float64', float16: 'float16' };
  return names[name] ?? name;
}

export function tensorInfo(v: OnnxValueInfo): TensorInfo {
  return {
    name: v.name,
    shape: (v.dims ?? []).map((d) => d ?? '?'),
    dtype: v.elemType === undefined ? 'unknown' : runtimeTypeName(dataTypeName(v.elemType)),
  };
}

/** The single float image input [N,C,H,W] or [N,H,W,C]; anything else cannot take images. */
export function imageInput(loaded: Pick<LoadedOnnx, 'inputs' | 'modelPath'>): OnnxValueInfo {
  const [input, ...rest] = loaded.inputs;
  const describe = loaded.inputs.map((i) => `${i.name} [${(i.dims ?? []).map((d) => d ?? '?').join(', ')}]`);
  if (input === undefined || rest.length > 0 || input.dims?.length !== 4 || input.elemType !== 1) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${loaded.modelPath} does not take one float image tensor (its inputs: ${describe.join(', ') || 'none'}).`,
      {
        hint: 'Image feature extraction needs a model with a single [N,C,H,W] or [N,H,W,C] float input.',
        details: { inputs: describe },
      },
    );
  }
  return input;
}

/** The preprocessing to use: the caller's, else resolved from the folder's config files. */
export async function resolveSpec(
  loaded: Pick<LoadedOnnx, 'modelDir' | 'modelPath'>,
  input: OnnxValueInfo,
  override: InputSpec | undefined,
): Promise<{ spec: PreprocessSpec; warnings: string[] }> {
  if (override !== undefined) {
    return { spec: requireImageSpec(override, loaded.modelPath), warnings: [] };
  }
  return resolvePreprocess(loaded.modelDir, { inputShape: (input.dims ?? []).map((d) => d ?? -1) });
}

/** Dims (without batch) of an image after preprocessing, for probe runs. */
export function probeDims(spec: PreprocessSpec): number[] {
  const fixed = specOutputDims(spec);
  if (fixed !== undefined) {
    return fixed;
  }
  const c = spec.decode.color === 'gray' ? 1 : 3;
  const { height, width } = spec.resize;
  return spec.layout === 'NCHW' ? [c, height, width] : [height, width, c];
}
