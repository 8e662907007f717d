import type { ImageInput, PreprocessSpec } from '@modelhub/core';

import { decodeImage } from './decode-image.ts';

/**
 * The raw-pixel baseline's features: the image as `size`×`size` grayscale values in [0, 1],
 * row-major (squashed to the square, antialiased bilinear).
 *
 * @throws ModelhubError `INVALID_INPUT` naming the input when it cannot be decoded.
 */
export async function decodeGrayPixels(input: ImageInput, size: number): Promise<Float32Array> {
  const { data } = await decodeImage(input, grayPixelsSpec(size));
  return data;
}

/** The spec {@link decodeGrayPixels} applies, for recording in a head manifest. */
export function grayPixelsSpec(size: number): PreprocessSpec {
  return {
    source: `pixels:gray-${size}`,
    decode: { exifOrient: true, color: 'gray', alpha: 'white' },
    resize: { mode: 'exact', height: size, width: size, resample: 'bilinear', antialias: true },
    crop: { mode: 'none', height: size, width: size },
    pad: null,
    rescale: { scale: 1 / 255, offset: 0 },
    normalize: null,
    layout: 'NHWC',
    dtype: 'float32',
  };
}
