import { describe, expect, it } from 'vitest';

import { decodeWav } from './decode-wav.ts';
import { sine, wavBytes } from './wav-bytes.test-helper.ts';

const tone = sine(440, 8000, 0.05, 0.5);
const maxAbsDiff = (a: Float32Array, b: Float32Array): number =>
  a.reduce((m, x, i) => Math.max(m, Math.abs(x - (b[i] ?? 0))), 0);

describe('decodeWav', () => {
  it('decodes 8/16/24/32-bit PCM and 32-bit float to [-1, 1]', () => {
    const cases = [
      { bits: 8, format: 1, codec: 'pcm-8', tol: 1 / 100 },
      { bits: 16, format: 1, codec: 'pcm-16', tol: 1e-4 },
      { bits: 24, format: 1, codec: 'pcm-24', tol: 1e-6 },
      { bits: 32, format: 1, codec: 'pcm-32', tol: 1e-6 },
      { bits: 32, format: 3, codec: 'float-32', tol: 1e-7 },
    ] as const;
    for (const c of cases) {
      const audio = decodeWav(wavBytes([tone], 8000, c.bits, c.format), 'tone.wav');
      expect(audio.codec, c.codec).toBe(c.codec);
      expect(audio.sampleRate).toBe(8000);
      expect(audio.channels).toHaveLength(1);
      expect(maxAbsDiff(audio.channels[0] ?? new Float32Array(), tone), c.codec).toBeLessThan(c.tol);
    }
  });

  it('keeps the channels of a stereo file apart', () => {
    const right = tone.map((x) => -x);
    const audio = decodeWav(wavBytes([tone, right], 8000, 16), 'stereo.wav');
    expect(audio.channels).toHaveLength(2);
    expect(maxAbsDiff(audio.channels[1] ?? new Float32Array(), right)).toBeLessThan(1e-4);
  });

  it('names the file and the problem for empty, truncated, headerless and non-WAV input', () => {
    const full = wavBytes([tone], 8000, 16);
    expect(() => decodeWav(new Uint8Array(0), 'a.wav')).toThrow('a.wav: the file is empty (0 bytes).');
    expect(() => decodeWav(full.subarray(0, 300), 'cut.wav')).toThrow(
      /cut\.wav: the file is truncated: its header announces 800 bytes of audio, 256 are there/,
    );
    expect(() => decodeWav(full.subarray(0, 30), 'hdr.wav')).toThrow(/hdr\.wav: not a complete WAV file/);
    expect(() => decodeWav(Uint8Array.from([0x49, 0x44, 0x33, 3, 0, 0, 0, 0, 0, 0]), 'song.mp3')).toThrow(
      /song\.mp3: MP3 audio is not supported/,
    );
    expect(() => decodeWav(new TextEncoder().encode('hello, not audio at all'), 'notes.wav')).toThrow(
      /notes\.wav: not a WAV file/,
    );
    expect(() => decodeWav(wavBytes([new Float32Array(0)], 8000, 16), 'silent.wav')).toThrow(
      /silent\.wav: the file holds no audio samples/,
    );
  });

  it('refuses a compressed codec it cannot expand, naming it', () => {
    const msAdpcm = wavBytes([tone], 8000, 16, 2);
    expect(() => decodeWav(msAdpcm, 'adpcm.wav')).toThrow(
      /adpcm\.wav: the WAV file holds Microsoft ADPCM audio, which is not supported/,
    );
  });
});
