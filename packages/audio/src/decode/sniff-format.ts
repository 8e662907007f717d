/** Names the container of bytes that are not a WAV file, for a useful error; undefined if unknown. */
export function sniffAudioFormat(bytes: Uint8Array): string | undefined {
  const ascii = (from: number, to: number): string => String.fromCharCode(...bytes.subarray(from, to));
  const b = (i: number): number => bytes[i] ?? -1;
  if (ascii(0, 3) === 'ID3' || (b(0) === 0xff && (b(1) & 0xe0) === 0xe0 && (b(1) & 0x06) !== 0)) {
    return 'MP3';
  }
  if (ascii(0, 4) === 'OggS') {
    return 'Ogg (Vorbis/Opus)';
  }
  if (ascii(0, 4) === 'fLaC') {
    return 'FLAC';
  }
  if (ascii(4, 8) === 'ftyp') {
    return 'MP4/M4A (AAC)';
  }
  if (ascii(0, 4) === 'FORM' && (ascii(8, 12) === 'AIFF' || ascii(8, 12) === 'AIFC')) {
    return 'AIFF';
  }
  if (b(0) === 0x1a && b(1) === 0x45 && b(2) === 0xdf && b(3) === 0xa3) {
    return 'WebM/Matroska';
  }
  return undefined;
}
