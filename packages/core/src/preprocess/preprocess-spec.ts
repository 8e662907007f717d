import * as z from 'zod';

import { lazySchema } from '../schema/lazy-schema.ts';

/**
 * Fully resolved image preprocessing: every default written out, so a head trained on one machine
 * sees the same tensors on another. Read from a model's own config files (see design.md) and
 * recorded in every head manifest.
 */
export const preprocessSpecSchema = lazySchema(() =>
  z.object({
    /** The input modality; absent in heads written before text and audio existed (= image). */
    modality: z.literal('image').optional(),
    /** Where the values came from, e.g. `preprocessor_config.json` or `preset:mobilenet-tfjs`. */
    source: z.string(),
    decode: z.object({
      /** Rotate by EXIF orientation before anything else. */
      exifOrient: z.boolean(),
      /** Channel order the model expects. */
      color: z.enum(['rgb', 'bgr', 'gray']),
      /** How transparent pixels are flattened. */
      alpha: z.enum(['white', 'black']),
    }),
    resize: z.object({
      mode: z.enum(['exact', 'shortest_edge', 'longest_edge', 'fit_height', 'none']),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
      resample: z.enum(['nearest', 'bilinear', 'bicubic', 'lanczos']),
      antialias: z.boolean(),
      /**
       * Only for `antialias: false` bilinear: sample with TF's `alignCorners` grid (corner pixels map
       * to corner pixels), as `tf.image.resizeBilinear(x, size, true)` in nsfwjs does. Absent = false
       * (half-pixel centres).
       */
      alignCorners: z.boolean().optional(),
    }),
    crop: z.object({
      mode: z.enum(['center', 'none']),
      height: z.number().int().positive(),
      width: z.number().int().positive(),
    }),
    /**
     * Pad on the right/bottom up to this size (text recognisers take a fixed-width strip). With
     * `multiple`, each image is padded only up to the next multiple of it (never past `height` ×
     * `width`): for models whose input size is free, padding costs time.
     */
    pad: z
      .object({
        height: z.number().int().positive(),
        width: z.number().int().positive(),
        value: z.number(),
        multiple: z.number().int().positive().optional(),
      })
      .nullable(),
    /** `x * scale + offset`, applied to 0–255 pixel values before normalisation. */
    rescale: z.object({ scale: z.number(), offset: z.number() }),
    /** Per-channel `(x - mean) / std`, or null for none. */
    normalize: z.object({ mean: z.array(z.number()), std: z.array(z.number()) }).nullable(),
    layout: z.enum(['NCHW', 'NHWC']),
    dtype: z.literal('float32'),
  }),
);

export type PreprocessSpec = z.infer<ReturnType<typeof preprocessSpecSchema>>;
