import { createRequire } from 'node:module';

import type WaveFileModule from 'wavefile';

import { ModelhubError } from '@modelhub/core';

import { sniffAudioFormat } from './sniff-format.ts';

const requireHere = createRequire(import.meta.url);
let wavefile: typeof WaveFileModule | undefined;

/** PCM audio as floats in [-1, 1], one array per channel. */
export interface DecodedAudio {
  readonly sampleRate: number;
  readonly channels: readonly Float32Array[];
  /** How the file stored its samples, e.g. `pcm-16`, `float-32`, `ima-adpcm`. */
  readonly codec: string;
}

/** WAVE format tags (the `fmt ` chunk's audioFormat; 0xFFFE = extensible, whose sub-format is PCM or float). */
const PCM = 1;
const FLOAT = 3;
const ALAW = 6;
const MULAW = 7;
const IMA_ADPCM = 17;
const EXTENSIBLE = 0xfffe;

const codecNames: Readonly<Record<number, string>> = {
  2: 'Microsoft ADPCM',
  0x55: 'MPEG Layer 3 (MP3 in WAV)',
  0x50: 'MPEG',
  0x31: 'GSM 6.10',
  0x11: 'IMA ADPCM',
  0x161: 'Windows Media Audio',
};

function invalid(name: string, message: string, hint: string, cause?: unknown): ModelhubError {
  return new ModelhubError('INVALID_INPUT', `${name}: ${message}`, {
    hint,
    details: { input: name },
    ...(cause === undefined ? {} : { cause }),
  });
}

interface WaveLike {
  readonly container: string;
  readonly bitDepth: string;
  readonly fmt: { audioFormat: number; numChannels: number; sampleRate: number; blockAlign: number };
  readonly data: { chunkSize: number; samples: Uint8Array };
  getSamples(interleaved: boolean, output: typeof Float64Array): Float64Array | Float64Array[];
  fromALaw(bitDepth?: string): void;
  fromMuLaw(bitDepth?: string): void;
  fromIMAADPCM(bitDepth?: string): void;
}

/** Divisor that maps a bit depth's integer samples to [-1, 1]. */
function scaleOf(bitDepth: string): { scale: number; offset: number } {
  if (bitDepth === '32f' || bitDepth === '64') {
    return { scale: 1, offset: 0 };
  }
  const bits = Number(bitDepth);
  if (bits === 8) {
    return { scale: 128, offset: 128 }; // 8-bit WAV is unsigned
  }
  return { scale: 2 ** (bits - 1), offset: 0 };
}

/**
 * Decodes a WAV file with `wavefile` (RIFF, RIFX and RF64; PCM 8/16/24/32-bit, 32/64-bit float,
 * extensible headers; A-law, µ-law and IMA ADPCM are expanded to 16-bit first). Empty, truncated,
 * non-WAV and compressed-codec files are INVALID_INPUT errors that name the file and the problem.
 */
export function decodeWav(bytes: Uint8Array, name: string): DecodedAudio {
  if (bytes.byteLength === 0) {
    throw invalid(
      name,
      'the file is empty (0 bytes).',
      'Record or export the clip again, or pass --skip-bad to leave it out.',
    );
  }
  const other = sniffAudioFormat(bytes);
  if (other !== undefined) {
    throw invalid(
      name,
      `${other} audio is not supported: modelhub decodes WAV files only.`,
      `Convert it to WAV first, e.g. \`ffmpeg -i ${name} out.wav\` or \`sox ${name} out.wav\`.`,
    );
  }
  let wav: WaveLike;
  try {
    // Loaded by the first WAV: commands on images or texts never do.
    wavefile ??= requireHere('wavefile') as typeof WaveFileModule;
    wav = new wavefile.WaveFile(bytes) as unknown as WaveLike;
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const truncatedHeader =
      /could not find/i.test(reason) && String.fromCharCode(...bytes.subarray(0, 4)) !== '';
    throw invalid(
      name,
      truncatedHeader && bytes.byteLength < 64
        ? `not a complete WAV file (${bytes.byteLength} bytes; ${reason}).`
        : `not a WAV file this decoder can read (${reason}).`,
      'Check the file is a RIFF/WAVE audio file; convert other formats to WAV first.',
      cause,
    );
  }
  let format = wav.fmt.audioFormat;
  let codec: string;
  try {
    if (format === ALAW) {
      wav.fromALaw();
      codec = 'a-law';
    } else if (format === MULAW) {
      wav.fromMuLaw();
      codec = 'mu-law';
    } else if (format === IMA_ADPCM) {
      wav.fromIMAADPCM();
      codec = 'ima-adpcm';
    } else if (format === PCM || format === FLOAT || format === EXTENSIBLE) {
      codec =
        wav.bitDepth.endsWith('f') || wav.bitDepth === '64'
          ? `float-${parseInt(wav.bitDepth, 10)}`
          : `pcm-${wav.bitDepth}`;
    } else {
      throw invalid(
        name,
        `the WAV file holds ${codecNames[format] ?? `codec 0x${format.toString(16)}`} audio, which is not supported (PCM, float, A-law, µ-law and IMA ADPCM are).`,
        `Convert it to PCM WAV first, e.g. \`sox ${name} -e signed-integer -b 16 out.wav\`.`,
      );
    }
    format = wav.fmt.audioFormat;
  } catch (error) {
    if (error instanceof ModelhubError) {
      throw error;
    }
    throw invalid(
      name,
      `cannot decode its samples (${String(error)}).`,
      'Convert it to PCM WAV first.',
      error,
    );
  }
  if (wav.fmt.sampleRate <= 0 || wav.fmt.numChannels <= 0) {
    throw invalid(
      name,
      `the header is damaged (${wav.fmt.numChannels} channels at ${wav.fmt.sampleRate} Hz).`,
      'Export the clip again.',
    );
  }
  const declared = wav.data.chunkSize;
  const present = wav.data.samples.byteLength;
  if (codec.startsWith('pcm') || codec.startsWith('float')) {
    if (present < declared) {
      throw invalid(
        name,
        `the file is truncated: its header announces ${declared} bytes of audio, ${present} are there.`,
        'The download or recording was cut off; get the complete file, or pass --skip-bad to leave it out.',
      );
    }
  }
  const raw = wav.getSamples(false, Float64Array);
  const perChannel = Array.isArray(raw) ? raw : [raw];
  const { scale, offset } = scaleOf(wav.bitDepth);
  const channels = perChannel.map((samples) => {
    const out = new Float32Array(samples.length);
    for (let i = 0; i < samples.length; i++) {
      out[i] = ((samples[i] ?? 0) - offset) / scale;
    }
    return out;
  });
  if ((channels[0]?.length ?? 0) === 0) {
    throw invalid(
      name,
      'the file holds no audio samples (0 s).',
      'Record or export the clip again, or pass --skip-bad to leave it out.',
    );
  }
  return { sampleRate: wav.fmt.sampleRate, channels, codec };
}
