// Worker-safe: this module is loaded inside worker threads by plain Node, so it imports no
// @modelhub package (their sources are not resolvable there) and throws plain errors with a code.
import { readFile } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';

import type { io } from '@tensorflow/tfjs';

/** The parts of a TF.js `model.json` we use. */
export interface TfjsModelJson {
  readonly format?: string;
  readonly modelTopology: unknown;
  readonly weightsManifest: ReadonlyArray<{
    readonly paths: readonly string[];
    readonly weights: io.WeightsManifestEntry[];
  }>;
  readonly signature?: unknown;
  readonly userDefinedMetadata?: Record<string, object>;
}

/** An error raised where @modelhub/core is unavailable; converted to a ModelhubError by the caller. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
  readonly code: 'UNSUPPORTED_MODEL' | 'INVALID_MANIFEST' | 'ENTRY_NOT_FOUND';
  constructor(code: ModelFileError['code'], message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Reads and checks `<dir>/model.json`. */
export async function readModelJson(dir: string): Promise<TfjsModelJson> {
  const path = join(dir, 'model.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new ModelFileError('ENTRY_NOT_FOUND', `${path} does not exist`, { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelFileError('INVALID_MANIFEST', `${path} is not valid JSON`, { cause: error });
  }
  if (!isRecord(json) || !isRecord(json['modelTopology']) || !Array.isArray(json['weightsManifest'])) {
    throw new ModelFileError(
      'UNSUPPORTED_MODEL',
      `${path} is not a TF.js model (no modelTopology/weightsManifest)`,
    );
  }
  for (const group of json['weightsManifest'] as unknown[]) {
    if (!isRecord(group) || !Array.isArray(group['paths']) || !Array.isArray(group['weights'])) {
      throw new ModelFileError('INVALID_MANIFEST', `${path} has a malformed weightsManifest`);
    }
  }
  return json as unknown as TfjsModelJson;
}

/** `layers` for Keras-style models, `graph` for frozen TF graphs (a `node` list). */
export function modelKind(json: TfjsModelJson): 'layers' | 'graph' {
  if (json.format === 'graph-model') {
    return 'graph';
  }
  if (json.format === 'layers-model') {
    return 'layers';
  }
  return isRecord(json.modelTopology) && Array.isArray(json.modelTopology['node']) ? 'graph' : 'layers';
}

/**
 * An IOHandler that reads `model.json` and its weight shards from a local folder (what
 * `file://` URLs do with tfjs-node, which we do not use). Shard paths must stay inside the folder.
 */
export function dirIOHandler(dir: string): io.IOHandler {
  return {
    load: async (): Promise<io.ModelArtifacts> => {
      const json = await readModelJson(dir);
      const root = resolve(dir);
      const weightSpecs: io.WeightsManifestEntry[] = [];
      const shards: Buffer[] = [];
      for (const group of json.weightsManifest) {
        for (const shard of group.paths) {
          const path = resolve(root, shard);
          if (!path.startsWith(root + sep)) {
            throw new ModelFileError('INVALID_MANIFEST', `weight shard ${shard} points outside ${dir}`);
          }
          try {
            shards.push(await readFile(path));
          } catch (error) {
            throw new ModelFileError('ENTRY_NOT_FOUND', `weight shard ${path} is missing`, { cause: error });
          }
        }
        weightSpecs.push(...group.weights);
      }
      const all = Buffer.concat(shards);
      const expected = expectedWeightBytes(weightSpecs);
      if (expected !== undefined && expected !== all.byteLength) {
        throw new ModelFileError(
          'INVALID_MANIFEST',
          `the weight shards in ${dir} hold ${all.byteLength} bytes but model.json describes ${expected}: a shard is truncated or from another model`,
        );
      }
      const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength);
      const artifacts: io.ModelArtifacts = {
        modelTopology: json.modelTopology as object,
        weightSpecs,
        weightData,
      };
      if (json.format !== undefined) {
        artifacts.format = json.format;
      }
      if (json.signature !== undefined) {
        artifacts.signature = json.signature as object;
      }
      if (json.userDefinedMetadata !== undefined) {
        artifacts.userDefinedMetadata = json.userDefinedMetadata;
      }
      return artifacts;
    },
  };
}

const bytesPer: Record<string, number> = {
  float32: 4,
  int32: 4,
  uint8: 1,
  uint16: 2,
  float16: 2,
  bool: 1,
  int8: 1,
  int16: 2,
};

/** Total bytes the weight specs describe, or undefined when a dtype has no fixed size (strings). */
function expectedWeightBytes(specs: readonly io.WeightsManifestEntry[]): number | undefined {
  let total = 0;
  for (const spec of specs) {
    const dtype = spec.quantization?.dtype ?? spec.dtype;
    const size = bytesPer[dtype];
    if (size === undefined) {
      return undefined;
    }
    total += spec.shape.reduce((a, b) => a * b, 1) * size;
  }
  return total;
}
