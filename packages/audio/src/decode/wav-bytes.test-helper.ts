/**
 * Writes a canonical RIFF/WAVE file by hand (independent of the decoder under test): `format` 1 =
 * integer PCM (8-bit unsigned, 16/24/32-bit signed), 3 = IEEE float; `channels` interleaved.
 */
export function wavBytes(
  channels: readonly Float32Array[],
  sampleRate: number,
  bits: 8 | 16 | 24 | 32,
  format = 1,
): Uint8Array {
  const frames = channels[0]?.length ?? 0;
  const bytesPer = bits / 8;
  const dataBytes = frames * channels.length * bytesPer;
  const out = new Uint8Array(44 + dataBytes);
  const view = new DataView(out.buffer);
  const ascii = (at: number, s: string): void => {
    for (let i = 0; i < s.length; i++) {
      out[at + i] = s.charCodeAt(i);
    }
  };
  ascii(0, 'RIFF');
  view.setUint32(4, 36 + dataBytes, true);
  ascii(8, 'WAVE');
  ascii(12, 'fmt ');
  view.setUint32(16, 16, true);
  view.setUint16(20, format, true);
  view.setUint16(22, channels.length, true);
  view.setUint32(24, sampleRate, true);
  view.setUint32(28, sampleRate * channels.length * bytesPer, true);
  view.setUint16(32, channels.length * bytesPer, true);
  view.setUint16(34, bits, true);
  ascii(36, 'data');
  view.setUint32(40, dataBytes, true);
  let at = 44;
  for (let i = 0; i < frames; i++) {
    for (const ch of channels) {
      const x = Math.max(-1, Math.min(1, ch[i] ?? 0));
      if (format === 3) {
        view.setFloat32(at, x, true);
      } else if (bits === 8) {
        view.setUint8(at, Math.round(x * 127) + 128);
      } else if (bits === 16) {
        view.setInt16(at, Math.round(x * 32767), true);
      } else if (bits === 24) {
        const v = Math.round(x * 8388607);
        view.setUint8(at, v & 0xff);
        view.setUint8(at + 1, (v >> 8) & 0xff);
        view.setInt8(at + 2, v >> 16);
      } else {
        view.setInt32(at, Math.round(x * 2147483647), true);
      }
      at += bytesPer;
    }
  }
  return out;
}

/** A sine tone of `freq` Hz. */
export function sine(freq: number, sampleRate: number, seconds: number, amplitude = 0.5): Float32Array {
  return Float32Array.from(
    { length: Math.round(sampleRate * seconds) },
    (_, i) => amplitude * Math.sin((2 * Math.PI * freq * i) / sampleRate),
  );
}
