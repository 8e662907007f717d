import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as z from 'zod';

import { ModelhubError } from '@modelhub/core';
import type { PreprocessSpec } from '@modelhub/core';
import { preprocessSpecSchema } from '@modelhub/core/schemas';

import { familyPresets, presetNames } from './family-presets.ts';
import { HfPreprocessorConfigSchema, specFromHfPreprocessorConfig } from './hf-preprocessor-config.ts';
import { TimmConfigSchema, specFromTimmConfig } from './timm-config.ts';
import { TmMetadataSchema, isTmMetadata, specFromTmMetadata } from './tm-metadata.ts';

/** What the caller knows about the model, used to pick a preset and to cross-check the spec. */
export interface PreprocessHints {
  /** The model's image input shape, e.g. `[-1, 224, 224, 3]` or `['batch', 3, 48, 'width']`. */
  readonly inputShape?: ReadonlyArray<number | string>;
  /** A family preset name (see `familyPresets`), used when the folder has no config. */
  readonly family?: string;
}

/** A resolved spec and every default or guess made on the way. */
export interface ResolvedPreprocess {
  readonly spec: PreprocessSpec;
  readonly warnings: string[];
}

/** The `modelhub.json` fields a model folder may carry to describe its preprocessing. */
const ModelhubJsonSchema = z
  .object({
    family: z.string().optional(),
    preprocessing: z.record(z.string(), z.unknown()).optional(),
  })
  .loose();

async function readJson(path: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') {
      return undefined;
    }
    throw error;
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new ModelhubError('INVALID_MANIFEST', `${path} is not valid JSON`, {
      hint: 'Fix or remove the file.',
      details: { path },
      cause: error,
    });
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = result.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ModelhubError(
      'INVALID_MANIFEST',
      `${path} has invalid preprocessing fields:\n  ${problems.join('\n  ')}`,
      {
        hint: 'Fix the listed fields.',
        details: { path, problems },
      },
    );
  }
  return result.data;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Deep-merges plain objects; arrays, nulls and scalars in `over` replace. */
function merge(base: unknown, over: unknown): unknown {
  if (!isRecord(base) || !isRecord(over)) {
    return over;
  }
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = merge(base[key], value);
  }
  return out;
}

/** Reads the layout and the fixed height/width from an input shape like [N,3,H,W] or [N,H,W,3]. */
function shapeInfo(
  shape: ReadonlyArray<number | string>,
): { layout: PreprocessSpec['layout']; height?: number; width?: number; channels?: number } | undefined {
  const dims = shape.length === 4 ? shape.slice(1) : shape.length === 3 ? shape : undefined;
  if (dims === undefined) {
    return undefined;
  }
  const fixed = (d: number | string | undefined): number | undefined =>
    typeof d === 'number' && d > 0 ? d : undefined;
  const [a, b, c] = dims;
  const first = fixed(a);
  const last = fixed(c);
  if (first !== undefined && first <= 4 && (last === undefined || last > 4)) {
    return { layout: 'NCHW', channels: first, ...opt('height', fixed(b)), ...opt('width', last) };
  }
  if (last !== undefined && last <= 4) {
    return { layout: 'NHWC', channels: last, ...opt('height', first), ...opt('width', fixed(b)) };
  }
  return undefined;
}

function opt<K extends string>(key: K, value: number | undefined): Partial<Record<K, number>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, number>);
}

/** A last-resort spec from the input shape alone: squash to the input size, [0, 1]. */
function genericSpec(info: NonNullable<ReturnType<typeof shapeInfo>>): PreprocessSpec {
  const height = info.height ?? 224;
  const width = info.width ?? height;
  return {
    source: `default:${info.layout.toLowerCase()}`,
    decode: { exifOrient: true, color: info.channels === 1 ? 'gray' : 'rgb', alpha: 'white' },
    resize: { mode: 'exact', height, width, resample: 'bilinear', antialias: true },
    crop: { mode: 'none', height, width },
    pad: null,
    rescale: { scale: 1 / 255, offset: 0 },
    normalize: null,
    layout: info.layout,
    dtype: 'float32',
  };
}

/**
 * Resolves a model folder's image preprocessing, reading in order: Hugging Face
 * `preprocessor_config.json`, timm `config.json` `pretrained_cfg`, Teachable Machine
 * `metadata.json`, then the family preset named by `modelhub.json` `family` or `hints.family`
 * (with a warning). A `modelhub.json` `preprocessing` object (full or partial spec) is merged on
 * top of whichever base was found. Every default is written out; each guess is a warning.
 *
 * @throws ModelhubError `UNSUPPORTED_MODEL` when nothing describes the preprocessing and the input
 * shape is unknown; `INVALID_MANIFEST` when a config file is malformed.
 */
export async function resolvePreprocess(
  modelDir: string,
  hints: PreprocessHints = {},
): Promise<ResolvedPreprocess> {
  const warnings: string[] = [];
  let base: PreprocessSpec | undefined;

  const hfPath = join(modelDir, 'preprocessor_config.json');
  const hf = await readJson(hfPath);
  if (hf !== undefined) {
    base = specFromHfPreprocessorConfig(parseOrThrow(HfPreprocessorConfigSchema, hf, hfPath), warnings);
  }
  if (base === undefined) {
    const cfgPath = join(modelDir, 'config.json');
    const cfg = await readJson(cfgPath);
    if (isRecord(cfg) && cfg['pretrained_cfg'] !== undefined) {
      base = specFromTimmConfig(parseOrThrow(TimmConfigSchema, cfg, cfgPath).pretrained_cfg, warnings);
    }
  }
  if (base === undefined) {
    const tmPath = join(modelDir, 'metadata.json');
    const tm = await readJson(tmPath);
    if (tm !== undefined) {
      const meta = parseOrThrow(TmMetadataSchema, tm, tmPath);
      if (isTmMetadata(meta)) {
        base = specFromTmMetadata(meta, warnings);
      }
    }
  }

  const ownPath = join(modelDir, 'modelhub.json');
  const ownJson = await readJson(ownPath);
  const own = ownJson === undefined ? undefined : parseOrThrow(ModelhubJsonSchema, ownJson, ownPath);
  const family = own?.family ?? hints.family;
  const override = own?.preprocessing;

  if (base === undefined && family !== undefined) {
    const preset = familyPresets[family];
    if (preset === undefined) {
      throw new ModelhubError('UNSUPPORTED_MODEL', `Unknown model family "${family}"`, {
        hint: `Use one of ${presetNames().join(', ')}, or put a "preprocessing" object in modelhub.json.`,
        details: { family, modelDir },
      });
    }
    base = structuredClone(preset);
    if (override === undefined) {
      warnings.push(`no preprocessing config in ${modelDir}; using the "${family}" family preset`);
    }
  }

  const shape = hints.inputShape === undefined ? undefined : shapeInfo(hints.inputShape);
  let merged: unknown = base;
  if (override !== undefined) {
    merged = merge(base ?? {}, {
      source: base === undefined ? 'modelhub.json' : `${base.source}+modelhub.json`,
      ...override,
    });
  } else if (base === undefined) {
    if (shape === undefined) {
      throw new ModelhubError('UNSUPPORTED_MODEL', `No preprocessing is known for the model in ${modelDir}`, {
        hint: `Add a modelhub.json with "family" (${presetNames().join(', ')}) or a "preprocessing" object.`,
        details: { modelDir },
      });
    }
    merged = genericSpec(shape);
    warnings.push(
      `no preprocessing config or family for ${modelDir}; guessing from the input shape: resize to ` +
        `${(merged as PreprocessSpec).resize.height}×${(merged as PreprocessSpec).resize.width}, scale to [0, 1], no normalisation`,
    );
  }
  const spec = parseOrThrow(preprocessSpecSchema(), merged, ownPath);
  if (shape !== undefined) {
    checkAgainstShape(spec, shape, warnings);
  }
  return { spec, warnings };
}

function checkAgainstShape(
  spec: PreprocessSpec,
  shape: NonNullable<ReturnType<typeof shapeInfo>>,
  warnings: string[],
): void {
  if (shape.layout !== spec.layout) {
    warnings.push(`the model input looks ${shape.layout} but the preprocessing produces ${spec.layout}`);
  }
  const channels = spec.decode.color === 'gray' ? 1 : 3;
  if (shape.channels !== undefined && shape.channels !== channels) {
    warnings.push(
      `the model input has ${shape.channels} channels but the preprocessing produces ${channels}`,
    );
  }
  const size =
    spec.pad ??
    (spec.crop.mode === 'center' ? spec.crop : spec.resize.mode === 'exact' ? spec.resize : undefined);
  if (size !== undefined) {
    if (shape.height !== undefined && shape.height !== size.height) {
      warnings.push(
        `the model input height is ${shape.height} but the preprocessing produces ${size.height}`,
      );
    }
    if (shape.width !== undefined && shape.width !== size.width) {
      warnings.push(`the model input width is ${shape.width} but the preprocessing produces ${size.width}`);
    }
  }
}
