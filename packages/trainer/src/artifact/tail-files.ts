import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

import * as tf from '@tensorflow/tfjs';

import { ModelhubError, sha256 } from '@modelhub/core';

import { tailFiles } from './tail-layout.ts';

/** Saves a tail model as a TF.js layers model (`model.json` + one weights file); returns the files' hashes. */
export async function saveTail(
  tail: tf.LayersModel,
  headDir: string,
): Promise<Array<{ path: string; size: number; sha256: string }>> {
  let saved: tf.io.ModelArtifacts | undefined;
  await tail.save(
    tf.io.withSaveHandler((artifacts) => {
      saved = artifacts;
      return Promise.resolve({ modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } });
    }),
  );
  if (
    saved?.modelTopology === undefined ||
    saved.weightSpecs === undefined ||
    saved.weightData === undefined
  ) {
    throw new ModelhubError('INTERNAL', 'TF.js did not hand over the tail model when saving it');
  }
  const weights = new Uint8Array(tf.io.concatenateArrayBuffers(saved.weightData));
  const modelJson = `${JSON.stringify({
    format: 'layers-model',
    generatedBy: `TensorFlow.js tfjs-layers v${tf.version.tfjs}`,
    convertedBy: 'modelhub trainer (fine-tuned tail)',
    modelTopology: saved.modelTopology,
    weightsManifest: [{ paths: ['weights.bin'], weights: saved.weightSpecs }],
  })}\n`;
  await mkdir(dirname(join(headDir, tailFiles.model)), { recursive: true });
  await writeFile(join(headDir, tailFiles.model), modelJson);
  await writeFile(join(headDir, tailFiles.weights), weights);
  return [
    { path: tailFiles.model, size: Buffer.byteLength(modelJson), sha256: sha256(modelJson) },
    { path: tailFiles.weights, size: weights.byteLength, sha256: sha256(weights) },
  ];
}

interface TailModelJson {
  modelTopology: object;
  weightsManifest: Array<{ paths: string[]; weights: tf.io.WeightsManifestEntry[] }>;
}

/** Loads a tail saved by {@link saveTail} (on the current tf backend). */
export async function loadTail(headDir: string, modelFile: string): Promise<tf.LayersModel> {
  const json = JSON.parse(await readFile(join(headDir, modelFile), 'utf8')) as TailModelJson;
  const base = dirname(join(headDir, modelFile));
  const specs = json.weightsManifest.flatMap((g) => g.weights);
  const buffers = await Promise.all(
    json.weightsManifest
      .flatMap((g) => g.paths)
      .map(async (p) => new Uint8Array(await readFile(join(base, p)))),
  );
  const total = buffers.reduce((a, b) => a + b.byteLength, 0);
  const weightData = new Uint8Array(total);
  let off = 0;
  for (const b of buffers) {
    weightData.set(b, off);
    off += b.byteLength;
  }
  return tf.loadLayersModel(
    tf.io.fromMemory({
      modelTopology: json.modelTopology,
      weightSpecs: specs,
      weightData: weightData.buffer,
    }),
  );
}
