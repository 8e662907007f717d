/** One channel from many: the per-sample mean (the usual downmix; keeps a mono clip as it is). */
export function downmix(channels: readonly Float32Array[]): Float32Array {
  const [first, ...rest] = channels;
  if (first === undefined) {
    return new Float32Array(0);
  }
  if (rest.length === 0) {
    return first;
  }
  const out = new Float32Array(first.length);
  for (const ch of channels) {
    for (let i = 0; i < out.length; i++) {
      out[i] = (out[i] ?? 0) + (ch[i] ?? 0);
    }
  }
  for (let i = 0; i < out.length; i++) {
    out[i] = (out[i] ?? 0) / channels.length;
  }
  return out;
}
