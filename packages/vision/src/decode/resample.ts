/** An interleaved (HWC) float image. */
export interface PixelImage {
  readonly data: Float32Array;
  readonly height: number;
  readonly width: number;
  readonly channels: number;
}

/**
 * Resizes without an antialiasing filter, the way `tf.image.resizeBilinear` /
 * `resizeNearestNeighbor` do: each output pixel samples the source grid at one point.
 * With `alignCorners` the corner pixels of both grids coincide (TF's `alignCorners: true`);
 * otherwise pixel centres are aligned (half-pixel centres, as PyTorch `align_corners=False`).
 */
export function resamplePoint(
  src: PixelImage,
  height: number,
  width: number,
  mode: 'nearest' | 'bilinear',
  alignCorners: boolean,
): PixelImage {
  const { data, channels: c } = src;
  const out = new Float32Array(height * width * c);
  const scaleY = alignCorners && height > 1 ? (src.height - 1) / (height - 1) : src.height / height;
  const scaleX = alignCorners && width > 1 ? (src.width - 1) / (width - 1) : src.width / width;
  const sourceCoord = (i: number, scale: number): number =>
    alignCorners ? i * scale : Math.max(0, (i + 0.5) * scale - 0.5);
  for (let y = 0; y < height; y++) {
    const sy = sourceCoord(y, scaleY);
    if (mode === 'nearest') {
      const iy = Math.min(src.height - 1, alignCorners ? Math.round(sy) : Math.floor((y + 0.5) * scaleY));
      for (let x = 0; x < width; x++) {
        const ix = Math.min(
          src.width - 1,
          alignCorners ? Math.round(x * scaleX) : Math.floor((x + 0.5) * scaleX),
        );
        const s = (iy * src.width + ix) * c;
        const d = (y * width + x) * c;
        for (let k = 0; k < c; k++) {
          out[d + k] = data[s + k] ?? 0;
        }
      }
      continue;
    }
    const y0 = Math.min(src.height - 1, Math.floor(sy));
    const y1 = Math.min(src.height - 1, y0 + 1);
    const fy = sy - y0;
    for (let x = 0; x < width; x++) {
      const sx = sourceCoord(x, scaleX);
      const x0 = Math.min(src.width - 1, Math.floor(sx));
      const x1 = Math.min(src.width - 1, x0 + 1);
      const fx = sx - x0;
      const a = (y0 * src.width + x0) * c;
      const b = (y0 * src.width + x1) * c;
      const e = (y1 * src.width + x0) * c;
      const f = (y1 * src.width + x1) * c;
      const d = (y * width + x) * c;
      for (let k = 0; k < c; k++) {
        const top = (data[a + k] ?? 0) + ((data[b + k] ?? 0) - (data[a + k] ?? 0)) * fx;
        const bottom = (data[e + k] ?? 0) + ((data[f + k] ?? 0) - (data[e + k] ?? 0)) * fx;
        out[d + k] = top + (bottom - top) * fy;
      }
    }
  }
  return { data: out, height, width, channels: c };
}
