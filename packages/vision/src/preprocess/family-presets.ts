import type { PreprocessSpec } from '@modelhub/core';

const imagenetNhwc01 = (size: number, family: string): PreprocessSpec => ({
  source: `preset:${family}`,
  decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
  // nsfwjs: `img.toFloat().div(255)` then, only when the size differs,
  // `tf.image.resizeBilinear(x, [size, size], alignCorners = true)` — a squash with no antialiasing.
  resize: {
    mode: 'exact',
    height: size,
    width: size,
    resample: 'bilinear',
    antialias: false,
    alignCorners: true,
  },
  crop: { mode: 'none', height: size, width: size },
  pad: null,
  rescale: { scale: 1 / 255, offset: 0 },
  normalize: null,
  layout: 'NHWC',
  dtype: 'float32',
});

// PaddleOCR `resize_norm_img`: resize to height 48 keeping the aspect ratio (width rounded up,
// capped; cv2.INTER_LINEAR = half-pixel bilinear, no antialias), BGR as cv2 reads it,
// (x/255 - 0.5) / 0.5, CHW, then pad right with 0 to the full width.
const ppocr = (height: number, width: number, family: string): PreprocessSpec => ({
  source: `preset:${family}`,
  decode: { exifOrient: true, color: 'bgr', alpha: 'white' },
  resize: { mode: 'fit_height', height, width, resample: 'bilinear', antialias: false, alignCorners: false },
  crop: { mode: 'none', height, width },
  pad: { height, width, value: 0 },
  rescale: { scale: 1 / 255, offset: 0 },
  normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
  layout: 'NCHW',
  dtype: 'float32',
});

/**
 * Preprocessing of known model families whose files carry no preprocessing config. Used last,
 * always with a warning.
 */
export const familyPresets: Readonly<Record<string, PreprocessSpec>> = {
  'mobilenet-tfjs': imagenetNhwc01(224, 'mobilenet-tfjs'),
  'inception-tfjs': imagenetNhwc01(299, 'inception-tfjs'),
  'ppocr-rec': ppocr(48, 320, 'ppocr-rec'),
  'ppocr-cls': ppocr(48, 192, 'ppocr-cls'),
};

/** Names of the built-in family presets. */
export function presetNames(): string[] {
  return Object.keys(familyPresets);
}
