import { ModelhubError, readJsonObject, type AudioSpec } from '@modelhub/core';

/** What a model folder says about audio input, before any graph is opened. */
export interface AudioHints {
  /** The folder declares audio: its `modelhub.json` says `modality: audio`, or its `preprocessor_config.json` describes an audio feature extractor. */
  readonly isAudio: boolean;
  /** The sampling rate the model was trained at, when a config states it. */
  readonly sampleRate: number | undefined;
  /** The feature extractor named by `preprocessor_config.json` (e.g. `WhisperFeatureExtractor`). */
  readonly featureExtractor: string | undefined;
}

/** Reads the audio hints of a folder: `modelhub.json` first, then Hugging Face's `preprocessor_config.json`. */
export async function readAudioHints(dir: string): Promise<AudioHints> {
  const own = await readJsonObject(dir, 'modelhub.json');
  const pre = await readJsonObject(dir, 'preprocessor_config.json');
  const extractor =
    typeof pre?.['feature_extractor_type'] === 'string' ? pre['feature_extractor_type'] : undefined;
  const rate = typeof pre?.['sampling_rate'] === 'number' ? pre['sampling_rate'] : undefined;
  const ownAudio = own?.['audio'] as { sampleRate?: unknown } | undefined;
  return {
    isAudio:
      own?.['modality'] === 'audio' ||
      rate !== undefined ||
      /audio|wav2vec|whisper|speech/i.test(extractor ?? ''),
    sampleRate: typeof ownAudio?.sampleRate === 'number' ? ownAudio.sampleRate : rate,
    featureExtractor: extractor,
  };
}

const num = (o: Record<string, unknown>, key: string, fallback?: number): number => {
  const v = o[key];
  if (typeof v === 'number' && Number.isFinite(v)) {
    return v;
  }
  if (fallback !== undefined) {
    return fallback;
  }
  throw new ModelhubError('INVALID_MANIFEST', `modelhub.json: "audio.${key}" must be a number.`, {
    hint: 'See the speech-embedding fixture for a complete "audio" block.',
  });
};

/**
 * The audio preprocessing of a model folder whose `modelhub.json` has an `audio` block: a front-end
 * graph (waveform → frames) and an embedding graph over fixed windows of frames. Other audio models
 * (a raw-waveform encoder described only by `preprocessor_config.json`) are detected but refused
 * with UNSUPPORTED_MODEL, naming what was found.
 */
export async function resolveAudioSpec(dir: string): Promise<AudioSpec> {
  const own = await readJsonObject(dir, 'modelhub.json');
  const audio = own?.['audio'];
  if (typeof audio !== 'object' || audio === null) {
    const hints = await readAudioHints(dir);
    throw new ModelhubError(
      'UNSUPPORTED_MODEL',
      `${dir} is an audio model (${hints.featureExtractor ?? 'preprocessor_config.json'}${hints.sampleRate === undefined ? '' : `, ${hints.sampleRate} Hz`}) without a front-end description modelhub can run.`,
      {
        hint: 'Describe its front end in modelhub.json ("audio": {frontendFile, embeddingFile, window, hop, …}); raw-waveform encoders are not supported yet.',
        details: { dir },
      },
    );
  }
  const a = audio as Record<string, unknown>;
  const sampleRate = num(a, 'sampleRate');
  const str = (key: string): string => {
    const v = a[key];
    if (typeof v !== 'string' || v === '') {
      throw new ModelhubError('INVALID_MANIFEST', `modelhub.json: "audio.${key}" must name a file.`, {
        hint: 'See the speech-embedding fixture for a complete "audio" block.',
      });
    }
    return v;
  };
  return {
    modality: 'audio',
    source: 'modelhub.json',
    sampleRate,
    downmix: 'mean',
    scale: num(a, 'scale', 1),
    frontend: {
      kind: 'frames',
      frontendFile: str('frontendFile'),
      embeddingFile: str('embeddingFile'),
      frameScale: num(a, 'frameScale', 1),
      frameOffset: num(a, 'frameOffset', 0),
      window: num(a, 'window'),
      hop: num(a, 'hop'),
      samplesPerFrame: num(a, 'samplesPerFrame'),
    },
    minSamples: Math.round(num(a, 'minSeconds', 1) * sampleRate),
    pad: 'centre',
  };
}
