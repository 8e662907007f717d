import { resolveAudioSpec } from '@modelhub/audio';
import { ModelhubError } from '@modelhub/core';
import type { AdapterOptions, FeatureTap, InputSpec, ModelInspection } from '@modelhub/core';
import { resolveTextSpec } from '@modelhub/text';

import {
  AudioFeatureExtractor,
  audioContract,
  type WindowPooling,
} from '../audio/audio-feature-extractor.ts';
import { loadOnnx, tensorInfo } from '../model-dir/load-onnx.ts';
import {
  TextFeatureExtractor,
  textContract,
  tokenOutput,
  type TokenPooling,
} from '../text/text-feature-extractor.ts';

function badPooling(
  requested: FeatureTap['pooling'],
  modality: string,
  allowed: readonly string[],
): ModelhubError {
  return new ModelhubError(
    'INVALID_ARGUMENT',
    `--pooling ${requested} does not apply to ${modality} models.`,
    { hint: `Use one of: ${allowed.join(', ')}.` },
  );
}

/** The pooling over an audio clip's windows: mean unless the caller asks for max or meanmax. */
export function windowPooling(requested: FeatureTap['pooling'] | undefined): WindowPooling {
  if (requested === undefined || requested === 'mean' || requested === 'avg' || requested === 'none') {
    return 'mean';
  }
  if (requested === 'max' || requested === 'meanmax') {
    return requested;
  }
  throw badPooling(requested, 'audio', ['mean', 'max', 'meanmax']);
}

/** The pooling over a text's tokens: masked mean unless the caller asks for max, meanmax or cls. */
export function tokenPooling(requested: FeatureTap['pooling'] | undefined): TokenPooling {
  if (requested === undefined || requested === 'mean' || requested === 'avg' || requested === 'none') {
    return 'mean';
  }
  if (requested === 'max' || requested === 'meanmax' || requested === 'cls') {
    return requested;
  }
  throw badPooling(requested, 'text', ['mean', 'max', 'meanmax', 'cls']);
}

/** The audio spec to run with: the pinned one, else the folder's. */
async function audioSpecOf(
  modelDir: string,
  pinned: InputSpec | undefined,
): Promise<ReturnType<typeof resolveAudioSpec>> {
  return pinned?.modality === 'audio' ? pinned : resolveAudioSpec(modelDir);
}

/** Loads an audio backbone (two graphs) as a feature extractor. */
export async function loadAudioExtractor(
  modelDir: string,
  options: AdapterOptions,
): Promise<AudioFeatureExtractor> {
  const spec = await audioSpecOf(modelDir, options.preprocess);
  return AudioFeatureExtractor.open(modelDir, spec, options.modelId, windowPooling(options.pooling));
}

/** Loads a Hugging Face–layout text encoder as a feature extractor. */
export async function loadTextExtractor(
  modelDir: string,
  options: AdapterOptions,
): Promise<TextFeatureExtractor> {
  const loaded = await loadOnnx(modelDir);
  const spec =
    options.preprocess?.modality === 'text'
      ? options.preprocess
      : await resolveTextSpec(modelDir, 'ids-mask');
  if (spec === undefined) {
    throw new ModelhubError('UNSUPPORTED_MODEL', `${modelDir} takes token ids but has no tokenizer.json.`, {
      hint: 'Pull the model with its tokenizer.json (and tokenizer_config.json).',
      details: { modelDir },
    });
  }
  return TextFeatureExtractor.open(loaded, spec, options.modelId, tokenPooling(options.pooling));
}

/** `hub inspect` for audio and text models: the extractor is opened to report the real vector size. */
export async function inspectModality(
  modelDir: string,
  modality: 'audio' | 'text',
  options: AdapterOptions,
): Promise<ModelInspection> {
  const extractor =
    modality === 'audio'
      ? await loadAudioExtractor(modelDir, options)
      : await loadTextExtractor(modelDir, options);
  try {
    const candidate = {
      tensor: extractor.tap.tensor,
      dim: extractor.dim,
      pooling: extractor.tap.pooling,
      reason:
        modality === 'audio'
          ? 'output of the embedding graph, one vector per window, pooled over the windows of real audio'
          : 'per-token output, pooled over the real tokens (attention mask)',
    };
    if (extractor instanceof AudioFeatureExtractor) {
      const f = extractor.preprocess.frontend;
      return {
        format: 'onnx',
        modality,
        contract: audioContract(extractor.preprocess),
        inputs: [{ name: `waveform → ${f.frontendFile}`, shape: [1, 'samples'], dtype: 'float32' }],
        outputs: [
          {
            name: `${f.embeddingFile}:${extractor.tap.tensor}`,
            shape: ['windows', extractor.dim],
            dtype: 'float32',
          },
        ],
        candidates: [candidate],
        chosen: candidate,
        preprocess: extractor.preprocess,
        warnings: [],
      };
    }
    const loaded = await loadOnnx(modelDir);
    return {
      format: 'onnx',
      modality,
      contract: textContract(extractor.preprocess),
      inputs: loaded.inputs.map(tensorInfo),
      outputs: loaded.outputs.filter((o) => o.name === tokenOutput(loaded)).map(tensorInfo),
      candidates: [candidate],
      chosen: candidate,
      preprocess: extractor.preprocess,
      warnings: [],
    };
  } finally {
    await extractor.dispose();
  }
}
