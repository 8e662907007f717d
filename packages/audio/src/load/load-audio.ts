import { ModelhubError, readInputFile, type ModelInput } from '@modelhub/core';

import { decodeWav } from '../decode/decode-wav.ts';
import { downmix } from '../signal/downmix.ts';
import { resample } from '../signal/resample.ts';

/** A clip ready for a model: mono, at the model's rate, floats in [-1, 1]. */
export interface LoadedAudio {
  readonly name: string;
  readonly samples: Float32Array;
  readonly sampleRate: number;
  /** Length of the original clip in seconds. */
  readonly seconds: number;
  readonly source: { readonly sampleRate: number; readonly channels: number; readonly codec: string };
}

/** How an audio input is named in messages. */
export function describeAudioInput(input: ModelInput): string {
  if (typeof input === 'string') {
    return input;
  }
  if (input instanceof Uint8Array) {
    return `<${input.byteLength} bytes>`;
  }
  return input.name ?? '<text>';
}

/**
 * The one place audio enters modelhub: a `.wav` path or its bytes is decoded, mixed down to mono
 * and resampled to `sampleRate`. Every failure is an INVALID_INPUT naming the input.
 */
export async function loadAudio(input: ModelInput, sampleRate: number): Promise<LoadedAudio> {
  const name = describeAudioInput(input);
  let bytes: Uint8Array;
  if (typeof input === 'string') {
    bytes = await readInputFile(input);
  } else if (input instanceof Uint8Array) {
    bytes = input;
  } else {
    throw new ModelhubError('INVALID_INPUT', `${name}: an audio model takes .wav files, not text.`, {
      hint: 'Pass the path or the bytes of a WAV file.',
      details: { input: name },
    });
  }
  const decoded = decodeWav(bytes, name);
  const mono = downmix(decoded.channels);
  return {
    name,
    samples: resample(mono, decoded.sampleRate, sampleRate),
    sampleRate,
    seconds: mono.length / decoded.sampleRate,
    source: { sampleRate: decoded.sampleRate, channels: decoded.channels.length, codec: decoded.codec },
  };
}
