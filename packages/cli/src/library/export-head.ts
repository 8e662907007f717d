import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

import { resolveClientConfig, type ClientOptions } from '@modelhub/client';
import { ModelhubError, PROBE_ID, modalityOf, probeInput, type HeadManifest } from '@modelhub/core';
import { buildHeadModel } from '@modelhub/onnx';
import { readHeadArtifact, type HeadArtifact } from '@modelhub/trainer';

import { adapterFor, adapterModules, loadAdapter, type AdapterModules } from '../adapters/load-adapter.ts';
import { locateModel } from '../adapters/resolve-model.ts';
import { isHeadFolder, loadHead, type LoadedHead } from './head-base.ts';
import { percent } from './head-check.ts';
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
  /** The file, run by plain onnxruntime on the head's probe input, against the head itself. */
  readonly check: ExportCheck;
}

/** How closely the written file reproduces the head on the probe input (see `checkExport`). */
export interface ExportCheck {
  /** The probe input's version (`PROBE_ID`). */
  readonly probe: string;
  /** Largest absolute difference between the file's and the head's probabilities. */
  readonly probabilityDifference: number;
  /** Largest difference between their logits, relative to the largest logit (at least 1). */
  readonly logitDifference: number;
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
  const loaded = await loadHead(headDir, pulled?.endpoint, options);
  try {
    return await exportLoaded(loaded, artifact, headName, out, options);
  } finally {
    await loaded.extractor.dispose();
  }
}

/** A file differing from its head by more than this on the probe is not written (float noise is ~1e-7). */
export const EXPORT_TOLERANCE = 1e-4;

/** What the example of each modality is called in messages. */
const probeNoun = { image: 'image', text: 'text', audio: 'clip' } as const;

/**
 * Runs the head's fixed probe input through the head as loaded here and through the file just
 * built, with plain onnxruntime fed as the file's metadata says. The JS head and the fused graph
 * are separate code; this is what makes "the exported model predicts differently" impossible to
 * ship silently.
 */
async function checkExport(
  loaded: LoadedHead,
  bytes: Uint8Array,
  fused: boolean,
  names: { readonly head: string; readonly out: string },
  adapters: AdapterModules,
): Promise<ExportCheck> {
  const { manifest } = loaded;
  const modality = modalityOf(manifest.preprocessing);
  const probe = probeInput(modality);
  const features = (await loaded.extractor.embed([probe])).vectors[0];
  if (features === undefined) {
    throw new ModelhubError('INTERNAL', `${manifest.base.repo} could not embed modelhub's own probe input.`);
  }
  const expected = await loaded.classifier.scoreFeatures(features, 1);
  const onnx = await loadAdapter('onnx', adapters);
  if (onnx.scoreExported === undefined) {
    throw new ModelhubError('INTERNAL', 'the ONNX adapter cannot run exported files.');
  }
  const [actual] = await onnx.scoreExported(
    bytes,
    fused
      ? { kind: 'inputs', modelDir: loaded.baseDir, preprocess: manifest.preprocessing, inputs: [probe] }
      : { kind: 'features', features, rows: 1 },
  );
  // Probabilities saturate (a confident head gives 1 and 0 whatever its logits), so the logits are
  // compared too, relative to their size.
  const probabilityDifference = largestDifference(expected.probs, actual?.probs);
  const scale = Math.max(1, ...Array.from(expected.logits, Math.abs));
  const logitDifference = largestDifference(expected.logits, actual?.logits) / scale;
  if (!(probabilityDifference <= EXPORT_TOLERANCE && logitDifference <= EXPORT_TOLERANCE)) {
    throw new ModelhubError(
      'EXPORT_MISMATCH',
      `The ONNX file built from ${names.head} does not compute the head: on modelhub's probe ${probeNoun[modality]} its probabilities are up to ${probabilityDifference.toPrecision(2)} and its logits up to ${percent(logitDifference)} away from the head's (tolerance ${EXPORT_TOLERANCE}). Nothing was written to ${names.out}.`,
      {
        hint: 'This is a modelhub bug for this backbone; please report it with the output of hub inspect HEAD --json. hub predict and fromPretrained() still run the head as trained.',
        details: { probabilityDifference, logitDifference, probe: PROBE_ID },
      },
    );
  }
  return { probe: PROBE_ID, probabilityDifference, logitDifference };
}

/** Largest absolute difference between two vectors; infinite when their lengths differ. */
function largestDifference(expected: Float32Array, actual: Float32Array | undefined): number {
  if (actual?.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  return expected.reduce((m, x, i) => Math.max(m, Math.abs(x - (actual[i] ?? Number.NaN))), 0);
}

/** Writes next to `out` and renames, so an interrupted export never leaves half a model. */
async function writeWhole(out: string, bytes: Uint8Array): Promise<void> {
  const tmp = `${out}.${process.pid}.partial`;
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, out);
  } catch (error) {
    await rm(tmp, { force: true });
    throw error;
  }
}

/** The export itself, on a head bound to its verified base (see {@link exportHead}). */
async function exportLoaded(
  loaded: LoadedHead,
  artifact: HeadArtifact,
  headName: string,
  out: string,
  options: ClientOptions & { readonly adapters?: AdapterModules },
): Promise<ExportResult> {
  const { manifest, baseDir } = loaded;
  const adapters = options.adapters ?? adapterModules;
  const adapter = await adapterFor(baseDir, adapters);
  const baseName = `${manifest.base.repo}@${manifest.base.commit}`;
  const modality = modalityOf(manifest.preprocessing);
  const fused = adapter.fuseHead !== undefined;
  const bytes =
    adapter.fuseHead === undefined
      ? buildHeadModel({
          // The head's own L2 normalisation of its input (the default) is part of it: without it
          // the file's logits scale with the feature norm.
          normalize: artifact.normalize,
          layers: artifact.layers,
          labels: manifest.labels,
          // buildHeadModel writes the labels itself.
          metadata: Object.fromEntries(
            Object.entries(exportMetadata(manifest, headName, false)).filter(([k]) => k !== 'labels'),
          ),
        })
      : await adapter.fuseHead(
          baseDir,
          new Uint8Array(await readFile(join(artifact.dir, manifest.head.file))),
          {
            modelId: baseName,
            workDir: derivedDir(options),
            tap: manifest.feature,
            preprocess: manifest.preprocessing,
            metadata: exportMetadata(manifest, headName, true),
          },
        );
  const check = await checkExport(loaded, bytes, fused, { head: headName, out }, adapters);
  if (loaded.check?.warning !== undefined) {
    resolveClientConfig(options).onWarning({ code: 'HEAD_CHECK', message: loaded.check.warning });
  }
  await mkdir(dirname(resolve(out)), { recursive: true });
  await writeWhole(out, bytes);
  const common = {
    out: resolve(out),
    bytes: bytes.byteLength,
    base: baseName,
    outputs: ['logits', 'probs'],
    labels: manifest.labels,
    check,
  };
  if (!fused) {
    // TF.js graphs have no ONNX form here: ship the head, say where its features come from.
    return {
      ...common,
      fused: false,
      input: 'features',
      note:
        `${whyHeadOnly(manifest, modality)}, so the head alone was written: ` +
        `its input "features" [N,${manifest.feature.dim}] is the ${manifest.feature.pooling === 'none' ? '' : `${manifest.feature.pooling}-pooled `}output of ${manifest.feature.tensor}; ` +
        // The head's own embed() applies its tap, pooling, mask and preprocessing; the base opened
        // with only its layer would pool with that layer's default.
        `compute it with (await fromPretrained('${headName}')).embed(${modality === 'image' ? 'images' : modality === 'text' ? 'texts' : 'wavFiles'}), which computes exactly the features the head was trained on.`,
    };
  }
  return {
    ...common,
    fused: true,
    input: modality === 'audio' ? 'audio' : modality === 'text' ? 'token-ids' : 'image',
    note: undefined,
  };
}
