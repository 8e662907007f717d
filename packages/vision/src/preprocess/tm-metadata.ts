import * as z from 'zod';

import type { PreprocessSpec } from '@modelhub/core';

/** Teachable Machine `metadata.json` (image projects). */
export const TmMetadataSchema = z
  .object({
    tmVersion: z.string().optional(),
    packageName: z.string().optional(),
    imageSize: z.number().int().positive().optional(),
    grayscale: z.boolean().optional(),
    labels: z.array(z.string()).optional(),
  })
  .loose();

export type TmMetadata = z.infer<typeof TmMetadataSchema>;

/** True when a `metadata.json` looks like Teachable Machine's (and not some other tool's). */
export function isTmMetadata(meta: TmMetadata): boolean {
  return meta.tmVersion !== undefined || meta.packageName?.startsWith('@teachablemachine/') === true;
}

/**
 * Teachable Machine image models: center square crop then scale to `imageSize` (default 224),
 * `x / 127 - 1` (127, not 127.5, as its `cropTo`/`capture` code does), NHWC RGB.
 */
export function specFromTmMetadata(meta: TmMetadata, warnings: string[]): PreprocessSpec {
  const size = meta.imageSize ?? 224;
  if (meta.imageSize === undefined) {
    warnings.push('metadata.json has no imageSize; using 224 (Teachable Machine default)');
  }
  if (meta.grayscale === true) {
    warnings.push('metadata.json says grayscale, which is not applied: images are fed in colour (RGB)');
  }
  return {
    source: 'metadata.json',
    decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
    resize: { mode: 'shortest_edge', height: size, width: size, resample: 'bilinear', antialias: true },
    crop: { mode: 'center', height: size, width: size },
    pad: null,
    rescale: { scale: 1 / 127, offset: -1 },
    normalize: null,
    layout: 'NHWC',
    dtype: 'float32',
  };
}
