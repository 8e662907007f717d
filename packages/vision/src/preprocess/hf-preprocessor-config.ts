import * as z from 'zod';

import type { PreprocessSpec } from '@modelhub/core';

const sizeSchema = z.union([
  z.number().int().positive(),
  z
    .object({
      height: z.number().int().positive().optional(),
      width: z.number().int().positive().optional(),
      shortest_edge: z.number().int().positive().optional(),
      longest_edge: z.number().int().positive().optional(),
    })
    .loose(),
]);

/** The fields of a Hugging Face `preprocessor_config.json` we read (others are ignored). */
export const HfPreprocessorConfigSchema = z
  .object({
    do_resize: z.boolean().optional(),
    size: sizeSchema.optional(),
    resample: z.number().int().optional(),
    do_center_crop: z.boolean().optional(),
    crop_size: sizeSchema.optional(),
    crop_pct: z.number().positive().optional(),
    do_rescale: z.boolean().optional(),
    rescale_factor: z.number().optional(),
    do_normalize: z.boolean().optional(),
    image_mean: z.union([z.array(z.number()), z.number()]).optional(),
    image_std: z.union([z.array(z.number()), z.number()]).optional(),
    do_convert_rgb: z.boolean().optional(),
    do_flip_channel_order: z.boolean().optional(),
  })
  .loose();

export type HfPreprocessorConfig = z.infer<typeof HfPreprocessorConfigSchema>;

// Pillow resample codes: 0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, 4 box, 5 hamming.
const pillowResample: Record<number, PreprocessSpec['resize']['resample']> = {
  0: 'nearest',
  1: 'lanczos',
  2: 'bilinear',
  3: 'bicubic',
  4: 'bilinear',
  5: 'bilinear',
};

type Size = z.infer<typeof sizeSchema>;

function hw(size: Size | undefined, fallback: number): { height: number; width: number } {
  if (size === undefined) {
    return { height: fallback, width: fallback };
  }
  if (typeof size === 'number') {
    return { height: size, width: size };
  }
  const edge = size.shortest_edge ?? size.longest_edge;
  return { height: size.height ?? edge ?? fallback, width: size.width ?? edge ?? fallback };
}

const asTriple = (v: number[] | number): number[] => (typeof v === 'number' ? [v, v, v] : v);

/**
 * Resolves a Hugging Face image processor config to a full spec, the way transformers.js reads it:
 * convert RGB → resize (`size`, Pillow `resample`, default bilinear) → optional `crop_pct` / center
 * crop → rescale (default 1/255) → normalise → NCHW. Every default it fills in is reported.
 */
export function specFromHfPreprocessorConfig(
  config: HfPreprocessorConfig,
  warnings: string[],
): PreprocessSpec {
  const resample = pillowResample[config.resample ?? 2] ?? 'bilinear';
  if (config.resample === undefined) {
    warnings.push('preprocessor_config.json has no resample; using bilinear (Pillow code 2, the HF default)');
  } else if (config.resample === 4 || config.resample === 5) {
    warnings.push(
      `preprocessor_config.json resample ${config.resample} (box/hamming) is approximated by bilinear`,
    );
  }
  const size = config.size;
  const target = hw(size, 224);
  if (size === undefined) {
    warnings.push('preprocessor_config.json has no size; using 224×224');
  }
  let mode: PreprocessSpec['resize']['mode'] = 'exact';
  if (typeof size === 'object' && size.shortest_edge !== undefined && size.height === undefined) {
    mode = 'shortest_edge';
  } else if (typeof size === 'object' && size.longest_edge !== undefined && size.height === undefined) {
    mode = 'longest_edge';
  }
  if (config.do_resize === false) {
    mode = 'none';
  }
  let crop: PreprocessSpec['crop'] = { mode: 'none', ...target };
  if (
    config.do_center_crop === true ||
    (config.do_center_crop === undefined && config.crop_size !== undefined)
  ) {
    crop = { mode: 'center', ...hw(config.crop_size, target.height) };
  }
  // ConvNeXt-style crop_pct: resize the short edge to size/crop_pct, then crop size (not at ≥ 384).
  if (config.crop_pct !== undefined && mode === 'shortest_edge' && target.height < 384) {
    crop = { mode: 'center', ...target };
    const scaled = Math.floor(target.height / config.crop_pct);
    target.height = scaled;
    target.width = scaled;
  }
  if (config.do_rescale === undefined) {
    warnings.push(
      'preprocessor_config.json has no do_rescale; rescaling by rescale_factor (HF default true)',
    );
  }
  const rescaleFactor = config.rescale_factor ?? 1 / 255;
  const rescale = config.do_rescale === false ? { scale: 1, offset: 0 } : { scale: rescaleFactor, offset: 0 };
  let normalize: PreprocessSpec['normalize'] = null;
  const hasStats = config.image_mean !== undefined && config.image_std !== undefined;
  if (config.do_normalize === true || (config.do_normalize === undefined && hasStats)) {
    normalize = {
      mean: asTriple(config.image_mean ?? [0.5, 0.5, 0.5]),
      std: asTriple(config.image_std ?? [0.5, 0.5, 0.5]),
    };
    if (config.do_normalize === undefined) {
      warnings.push(
        'preprocessor_config.json has no do_normalize; normalising with its image_mean/image_std',
      );
    }
    if (!hasStats) {
      warnings.push('preprocessor_config.json has do_normalize but no image_mean/image_std; using 0.5/0.5');
    }
  }
  return {
    source: 'preprocessor_config.json',
    decode: {
      exifOrient: true,
      color: config.do_flip_channel_order === true ? 'bgr' : 'rgb',
      alpha: 'white',
    },
    resize: { mode, ...target, resample, antialias: true },
    crop,
    pad: null,
    rescale,
    normalize,
    layout: 'NCHW',
    dtype: 'float32',
  };
}
