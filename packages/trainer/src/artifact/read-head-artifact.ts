import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError, sha256, type HeadManifest } from '@modelhub/core';
import { parseHeadManifest } from '@modelhub/core/schemas';
import { HEAD_LABELS_KEY, readFloatTensor, readOnnxModel } from '@modelhub/onnx';

import type { DenseLayer } from '../fit/dense-layer.ts';
import type { InputNormalization } from '../fit/normalize-rows.ts';
import { headFiles } from './write-head-artifact.ts';

/** A head folder read back and checked: its manifest and its dense layers. */
export interface HeadArtifact {
  readonly dir: string;
  readonly manifest: HeadManifest;
  /** What the head does to each feature vector before its first layer. */
  readonly normalize: InputNormalization;
  readonly layers: readonly DenseLayer[];
  readonly labels: readonly string[];
}

function corrupt(dir: string, message: string): ModelhubError {
  return new ModelhubError('INVALID_MANIFEST', `head ${dir}: ${message}`, {
    hint: 'Re-create the head with `hub train`, or pull it again.',
    details: { dir },
  });
}

/**
 * Reads a head folder: validates `modelhub.json`, checks `head.onnx` against its sha256, and
 * rebuilds the dense layers from the Gemm/Relu graph (so prediction needs no ONNX runtime).
 */
export async function readHeadArtifact(dir: string): Promise<HeadArtifact> {
  let manifestText: string;
  try {
    manifestText = await readFile(join(dir, headFiles.manifest), 'utf8');
  } catch (cause) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `${dir} is not a head folder: it has no ${headFiles.manifest}`,
      {
        hint: 'Pass the folder `hub train --out` wrote.',
        details: { dir },
        cause,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(manifestText);
  } catch {
    throw corrupt(dir, `${headFiles.manifest} is not JSON`);
  }
  const manifest = parseHeadManifest(json, join(dir, headFiles.manifest));
  const bytes = new Uint8Array(await readFile(join(dir, manifest.head.file)));
  const actual = sha256(bytes);
  if (actual !== manifest.head.sha256) {
    throw new ModelhubError(
      'INTEGRITY_MISMATCH',
      `${join(dir, manifest.head.file)} does not match ${headFiles.manifest} (sha256 ${actual}, expected ${manifest.head.sha256})`,
      {
        hint: 'The head was changed after training; pull or train it again.',
        details: { expected: manifest.head.sha256, actual },
      },
    );
  }
  const model = readOnnxModel(bytes, manifest.head.file);
  const layers: DenseLayer[] = [];
  let normalize: InputNormalization = 'none';
  for (const node of model.graph.nodes) {
    if (node.opType === 'LpNormalization' && layers.length === 0 && normalize === 'none') {
      if ((node.attributes.get('p')?.int ?? 2) !== 2 || (node.attributes.get('axis')?.int ?? -1) !== 1) {
        throw corrupt(dir, `${manifest.head.file} normalizes with other than p = 2 over axis 1`);
      }
      normalize = 'l2';
    } else if (node.opType === 'Gemm') {
      const w = model.graph.initializers.get(node.inputs[1] ?? '');
      const b = model.graph.initializers.get(node.inputs[2] ?? '');
      const weight = w === undefined ? undefined : readFloatTensor(w);
      const bias = b === undefined ? undefined : readFloatTensor(b);
      const [outDim, inDim] = w?.dims ?? [];
      if (weight === undefined || bias === undefined || outDim === undefined || inDim === undefined) {
        throw corrupt(dir, `${manifest.head.file} Gemm ${node.name} has no inline float weights`);
      }
      if ((node.attributes.get('transB')?.int ?? 0) !== 1) {
        throw corrupt(dir, `${manifest.head.file} Gemm ${node.name} is not transB=1`);
      }
      layers.push({ weight, bias, inDim, outDim, activation: 'none' });
    } else if (node.opType === 'Relu') {
      const last = layers.pop();
      if (last === undefined) {
        throw corrupt(dir, `${manifest.head.file} starts with Relu`);
      }
      layers.push({ ...last, activation: 'relu' });
    } else if (node.opType !== 'Softmax') {
      throw corrupt(
        dir,
        `${manifest.head.file} has a ${node.opType} node; a head holds LpNormalization (first), Gemm, Relu and Softmax only`,
      );
    }
  }
  const first = layers[0];
  const last = layers[layers.length - 1];
  if (first === undefined || last === undefined) {
    throw corrupt(dir, `${manifest.head.file} has no Gemm layer`);
  }
  if (normalize !== (manifest.head.normalize ?? 'none')) {
    throw corrupt(
      dir,
      `${manifest.head.file} ${normalize === 'l2' ? 'L2-normalizes its input' : 'does not normalize its input'} but ${headFiles.manifest} says head.normalize is ${manifest.head.normalize ?? 'none'}`,
    );
  }
  const tail = manifest.tail;
  const inDim = tail === undefined ? manifest.feature.dim : tail.outputDim;
  if (first.inDim !== inDim || last.outDim !== manifest.labels.length) {
    throw corrupt(
      dir,
      `${manifest.head.file} maps ${first.inDim} → ${last.outDim} but the manifest says ${inDim}-d features and ${manifest.labels.length} labels`,
    );
  }
  if (tail !== undefined) {
    if (tail.inputShape.reduce((a, b) => a * b, 1) !== manifest.feature.dim) {
      throw corrupt(
        dir,
        `the tail takes ${tail.inputShape.join('×')} activations but the feature tap gives ${manifest.feature.dim}`,
      );
    }
    for (const file of tail.files) {
      const actual = sha256(new Uint8Array(await readFile(join(dir, file.path))));
      if (actual !== file.sha256) {
        throw new ModelhubError(
          'INTEGRITY_MISMATCH',
          `${join(dir, file.path)} does not match ${headFiles.manifest}`,
          {
            hint: 'The head was changed after training; pull or train it again.',
            details: { expected: file.sha256, actual },
          },
        );
      }
    }
  }
  const onnxLabels = model.metadata.get(HEAD_LABELS_KEY);
  if (onnxLabels !== undefined && onnxLabels !== JSON.stringify(manifest.labels)) {
    throw corrupt(dir, `the labels in ${manifest.head.file} differ from ${headFiles.manifest}`);
  }
  return { dir, manifest, normalize, layers, labels: manifest.labels };
}
