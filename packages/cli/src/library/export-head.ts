import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import type { ClientOptions } from '@modelhub/client';
import { ModelhubError, modalityOf, type HeadManifest } from '@modelhub/core';
import { buildHeadModel } from '@modelhub/onnx';
import { readHeadArtifact } from '@modelhub/trainer';

import { adapterFor, adapterModules, type AdapterModules } from '../adapters/load-adapter.ts';
import { locateModel } from '../adapters/resolve-model.ts';
import { isHeadFolder, pullBase, verifyBase } from './head-base.ts';
import { derivedDir } from './open-backbone.ts';

/** What `hub export` wrote. */
export interface ExportResult {
  readonly out: string;
  readonly bytes: number;
  /** True for one ONNX graph (image in, probabilities out); false when only the head was written. */
  readonly fused: boolean;
  readonly base: string;
  /**
   * What the file takes: the preprocessed `image`, raw `audio` samples (`[1, samples]` float32
   * mono in [-1, 1] at the model's rate), the encoder's `token-ids` (input_ids, attention_mask…
   * from its tokenizer.json), or the head's `features`.
   */
  readonly input: 'image' | 'audio' | 'token-ids' | 'features';
  readonly outputs: readonly string[];
  readonly labels: readonly string[];
  /** Why only the head was exported, and how to compute its input. */
  readonly note: string | undefined;
}

/** The metadata a fused or head-only export carries, so a plain ONNX user can preprocess and label. */
function exportMetadata(manifest: HeadManifest, head: string, fused: boolean): Record<string, string> {
  return {
    labels: JSON.stringify(manifest.labels),
    'modelhub.format': fused ? 'modelhub-fused-classifier' : 'modelhub-head',
    'modelhub.preprocessing': JSON.stringify(manifest.preprocessing),
    'modelhub.base': `${manifest.base.repo}@${manifest.base.commit}`,
    'modelhub.base_endpoint': manifest.base.endpoint,
    'modelhub.feature': JSON.stringify(manifest.feature),
    'modelhub.head': head,
  };
}

/** Why a head cannot be fused with its backbone into one ONNX graph here. */
function whyHeadOnly(manifest: HeadManifest, modality: string): string {
  if (modality === 'text' && manifest.feature.runtime === 'tfjs-graph') {
    return `${manifest.base.repo} is a TF.js graph text encoder (Universal Sentence Encoder: sparse SentencePiece ids in), and modelhub cannot turn a TF.js graph into ONNX (that takes TensorFlow and tf2onnx, in Python)`;
  }
  return `${manifest.base.repo} is a ${manifest.feature.runtime} model, which cannot be turned into ONNX here`;
}

/**
 * Exports a head as one file. For an ONNX image backbone: the backbone cut at the tap, the pooling
 * and the head fused into one ONNX graph (image tensor in, `logits` and `probs` out), preprocessing
 * in its metadata. For an ONNX audio backbone: both graphs, the padding, windowing and masked
 * pooling and the head in one graph (raw samples in). For a TF.js backbone, which has no ONNX form
 * here, and for text, whose tokenizer runs outside any graph, the head alone (features in).
 */
export async function exportHead(
  head: string,
  out: string,
  options: ClientOptions & { readonly adapters?: AdapterModules },
): Promise<ExportResult> {
  const { dir: headDir, pulled } = await locateModel(head, options);
  const headName = pulled === undefined ? headDir : `${pulled.repo}@${pulled.commit}`;
  if (!(await isHeadFolder(headDir))) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      `${head} is not a head: its modelhub.json is missing or not a modelhub-head.`,
      {
        hint: 'hub export takes what hub train --out wrote (or its pushed repository).',
      },
    );
  }
  const artifact = await readHeadArtifact(headDir);
  if (artifact.manifest.tail !== undefined) {
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${head} fine-tunes backbone layers (Option 2); hub export fuses only Option 1 heads.`,
      {
        hint: 'Load it with fromPretrained(), or export a head trained with --fine-tune none.',
      },
    );
  }
  const manifest = artifact.manifest;
  const base = await pullBase(manifest, pulled?.endpoint ?? manifest.base.endpoint, options);
  await verifyBase(base.dir, manifest);
  const headBytes = new Uint8Array(await readFile(join(headDir, manifest.head.file)));
  const adapter = await adapterFor(base.dir, options.adapters ?? adapterModules);
  const baseName = `${manifest.base.repo}@${manifest.base.commit}`;
  await mkdir(dirname(resolve(out)), { recursive: true });
  const modality = modalityOf(manifest.preprocessing);
  if (adapter.fuseHead === undefined) {
    // TF.js graphs have no ONNX form here: ship the head, say where its features come from.
    const bytes = buildHeadModel({
      layers: artifact.layers,
      labels: manifest.labels,
      // buildHeadModel writes the labels itself.
      metadata: Object.fromEntries(
        Object.entries(exportMetadata(manifest, headName, false)).filter(([k]) => k !== 'labels'),
      ),
    });
    await writeFile(out, bytes);
    return {
      out: resolve(out),
      bytes: bytes.byteLength,
      fused: false,
      base: baseName,
      input: 'features',
      outputs: ['logits', 'probs'],
      labels: manifest.labels,
      note:
        `${whyHeadOnly(manifest, modality)}, so the head alone was written: ` +
        `its input "features" [N,${manifest.feature.dim}] is the ${manifest.feature.pooling === 'none' ? '' : `${manifest.feature.pooling}-pooled `}output of ${manifest.feature.tensor}; ` +
        `compute it with fromPretrained('${manifest.base.repo}@${manifest.base.commit}', { layer: '${manifest.feature.tensor}' }).embed(${modality === 'image' ? 'images' : modality === 'text' ? 'texts' : 'wavFiles'}).`,
    };
  }
  const bytes = await adapter.fuseHead(base.dir, headBytes, {
    modelId: baseName,
    workDir: derivedDir(options),
    tap: manifest.feature,
    preprocess: manifest.preprocessing,
    metadata: exportMetadata(manifest, headName, true),
  });
  await writeFile(out, bytes);
  return {
    out: resolve(out),
    bytes: bytes.byteLength,
    fused: true,
    base: baseName,
    input: modality === 'audio' ? 'audio' : modality === 'text' ? 'token-ids' : 'image',
    outputs: ['logits', 'probs'],
    labels: manifest.labels,
    note: undefined,
  };
}
