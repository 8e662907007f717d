import * as z from 'zod';

import type { PreprocessSpec } from '@modelhub/core';

/** `pretrained_cfg` of a timm `config.json` (the fields that describe eval preprocessing). */
export const TimmPretrainedCfgSchema = z
  .object({
    input_size: z.array(z.number().int().positive()).length(3).optional(),
    interpolation: z.string().optional(),
    crop_pct: z.number().positive().optional(),
    crop_mode: z.string().optional(),
    mean: z.array(z.number()).optional(),
    std: z.array(z.number()).optional(),
  })
  .loose();

/** A timm hub `config.json`; only `pretrained_cfg` matters here. */
export const TimmConfigSchema = z.object({ pretrained_cfg: TimmPretrainedCfgSchema }).loose();

export type TimmPretrainedCfg = z.infer<typeof TimmPretrainedCfgSchema>;

const resampleOf = (name: string): PreprocessSpec['resize']['resample'] | undefined =>
  (({ nearest: 'nearest', bilinear: 'bilinear', bicubic: 'bicubic', lanczos: 'lanczos' }) as const)[
    name as 'nearest'
  ];

/**
 * Resolves timm's eval transform (`resolve_data_config` + `transforms_factory`): resize the short
 * edge to floor(size / crop_pct) and center-crop `input_size` (`crop_mode: center`), or squash to
 * that size first (`squash`); ToTensor (1/255); mean/std; NCHW. timm defaults: bicubic, 0.875,
 * ImageNet mean/std.
 */
export function specFromTimmConfig(cfg: TimmPretrainedCfg, warnings: string[]): PreprocessSpec {
  const [, height = 224, width = 224] = cfg.input_size ?? [];
  if (cfg.input_size === undefined) {
    warnings.push('config.json pretrained_cfg has no input_size; using 3×224×224');
  }
  const cropPct = cfg.crop_pct ?? 0.875;
  if (cfg.crop_pct === undefined) {
    warnings.push('config.json pretrained_cfg has no crop_pct; using 0.875 (timm default)');
  }
  let resample = resampleOf(cfg.interpolation ?? 'bicubic');
  if (resample === undefined) {
    warnings.push(
      `config.json pretrained_cfg interpolation "${cfg.interpolation ?? ''}" is not supported; using bicubic`,
    );
    resample = 'bicubic';
  }
  const cropMode = cfg.crop_mode ?? 'center';
  if (cropMode !== 'center' && cropMode !== 'squash') {
    warnings.push(`config.json pretrained_cfg crop_mode "${cropMode}" is not supported; using center`);
  }
  const scaledH = Math.floor(height / cropPct);
  const scaledW = Math.floor(width / cropPct);
  const mean = cfg.mean ?? [0.485, 0.456, 0.406];
  const std = cfg.std ?? [0.229, 0.224, 0.225];
  if (cfg.mean === undefined || cfg.std === undefined) {
    warnings.push('config.json pretrained_cfg lacks mean/std; using the ImageNet values');
  }
  return {
    source: 'config.json#pretrained_cfg',
    decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
    resize: {
      mode: cropMode === 'squash' ? 'exact' : 'shortest_edge',
      height: scaledH,
      width: scaledW,
      resample,
      antialias: true,
    },
    crop: { mode: 'center', height, width },
    pad: null,
    rescale: { scale: 1 / 255, offset: 0 },
    normalize: { mean, std },
    layout: 'NCHW',
    dtype: 'float32',
  };
}
