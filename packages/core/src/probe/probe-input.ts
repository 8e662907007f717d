import { crc32, deflateSync } from 'node:zlib';

import type { ModelInput } from '../features/feature-extractor.ts';
import type { Modality } from '../preprocess/input-modality.ts';

/**
 * Names the synthetic inputs below. A head records its outputs for the probe of this version; a
 * new pattern needs a new name, so that old heads are never compared with a different input.
 */
export const PROBE_ID = 'modelhub-probe-1';

/** PNG chunk: length, type, data, CRC of type + data. */
function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/**
 * A 96×64 RGB PNG of gradients, bars and a disc: edges, corners and colour at several scales, so
 * every layer of an image backbone answers it, and a resize, crop or colour-order difference shows.
 */
function probeImage(): Uint8Array {
  const width = 96;
  const height = 64;
  const rows: Buffer[] = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + 3 * width); // filter byte 0 (none), then RGB
    for (let x = 0; x < width; x++) {
      const bar = Math.floor(x / 12) % 2 === 0;
      const disc = (x - 64) ** 2 + (y - 30) ** 2 < 18 ** 2;
      row[1 + 3 * x] = disc ? 230 : Math.round((255 * x) / (width - 1));
      row[2 + 3 * x] = bar ? Math.round((255 * y) / (height - 1)) : 40;
      row[3 + 3 * x] = disc ? 20 : (x * 7 + y * 13) % 256;
    }
    rows.push(row);
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8); // 8-bit, truecolour, deflate, no filter, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A mono 16-bit PCM WAV file of `samples` (in [-1, 1], clipped) at `rate` Hz. */
export function pcm16Wav(samples: Float32Array, rate: number): Uint8Array {
  const data = Buffer.alloc(2 * samples.length);
  samples.forEach((x, i) =>
    data.writeInt16LE(Math.max(-32768, Math.min(32767, Math.round(x * 32767))), 2 * i),
  );
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVEfmt ', 8, 'ascii');
  header.writeUInt32LE(16, 16); // fmt chunk size
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(rate, 24);
  header.writeUInt32LE(2 * rate, 28); // bytes per second
  header.writeUInt16LE(2, 32); // block align
  header.writeUInt16LE(16, 34); // bits per sample
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(data.length, 40);
  return Buffer.concat([header, data]);
}

/** 1.5 s at 16 kHz: a rising chirp with a harmonic, in two bursts. */
function probeAudio(): Uint8Array {
  const rate = 16000;
  const samples = new Float32Array(Math.round(1.5 * rate));
  for (let i = 0; i < samples.length; i++) {
    const t = i / rate;
    const phase = 2 * Math.PI * (200 * t + 600 * t * t);
    const envelope = Math.sin(Math.PI * ((t * 2) % 1)) ** 2;
    samples[i] = 0.5 * envelope * (Math.sin(phase) + 0.3 * Math.sin(2 * phase));
  }
  return pcm16Wav(samples, rate);
}

const probeText =
  'Fifty labelled photos of 3 kinds of leaves, a pretrained network, and a new output layer: ' +
  'transfer learning in Node.js (v24), measured honestly.';

/**
 * The fixed synthetic input of a modality that a head's self-check runs through its backbone and
 * head. Its outputs at training time go into `modelhub.json`; where the head is loaded, the same
 * input must give the same outputs, or the backbone's preprocessing or runtime differs there.
 */
export function probeInput(modality: Modality): ModelInput {
  switch (modality) {
    case 'image':
      return probeImage();
    case 'audio':
      return probeAudio();
    case 'text':
      return { text: probeText, name: PROBE_ID };
  }
}
