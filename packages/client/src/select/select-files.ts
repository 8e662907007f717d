import { posix } from 'node:path';

import picomatch from 'picomatch';

import { ModelhubError, describeIssues, documentSchema, optional, type FileEntry } from '@modelhub/core';

/** Transformers.js file-name suffixes of quantised / reduced-precision ONNX variants. */
export const variantSuffixes = {
  fp32: '',
  fp16: '_fp16',
  q8: '_quantized',
  int8: '_int8',
  uint8: '_uint8',
  q4: '_q4',
  q4f16: '_q4f16',
  bnb4: '_bnb4',
} as const;
export type Variant = keyof typeof variantSuffixes;

export function isVariant(value: string): value is Variant {
  return Object.hasOwn(variantSuffixes, value);
}

export interface SelectOptions {
  readonly include?: readonly string[] | undefined;
  readonly exclude?: readonly string[] | undefined;
  readonly variant?: Variant | undefined;
}

/** The format we recognise in a repository, which drives the default selection. */
export type RepoFormat = 'onnx' | 'tfjs' | 'other';

const WEIGHT = /\.(safetensors|bin|h5|msgpack|ckpt|pt|pth|gguf|tflite|ot|onnx|onnx_data|pb|keras|npz)$/i;
const ONNX_SUFFIXES = Object.values(variantSuffixes).filter((s) => s !== '');

/** A glob matcher: a pattern without `/` also matches the file's base name (`*.onnx` matches `onnx/x.onnx`). */
export function globMatcher(patterns: readonly string[]): (path: string) => boolean {
  const full = picomatch([...patterns], { dot: true });
  const base = picomatch(
    patterns.filter((p) => !p.includes('/')),
    { dot: true },
  );
  const hasBase = patterns.some((p) => !p.includes('/'));
  return (path) => full(path) || (hasBase && base(posix.basename(path)));
}

export function detectFormat(files: readonly FileEntry[]): RepoFormat {
  if (files.some((f) => f.path.endsWith('.onnx'))) {
    return 'onnx';
  }
  if (files.some((f) => posix.basename(f.path) === 'model.json')) {
    return 'tfjs';
  }
  return 'other';
}

function onnxVariantOf(path: string): { group: string; variant: Variant } {
  const stem = path.slice(0, -'.onnx'.length);
  for (const [variant, suffix] of Object.entries(variantSuffixes)) {
    if (suffix !== '' && stem.endsWith(suffix)) {
      return { group: stem.slice(0, -suffix.length), variant: variant as Variant };
    }
  }
  return { group: stem, variant: 'fp32' };
}

/** The part of a TF.js `model.json` that names its weight shards (the rest is the graph). */
const tfjsShardsDocument = documentSchema((check, value): string[][] => {
  const doc = check.object(value, []);
  const manifest = optional(doc['weightsManifest'], (groups) =>
    check.items(groups, ['weightsManifest'], (group, path) =>
      check.items(check.object(group, path)['paths'], [...path, 'paths'], (p, at) => check.string(p, at)),
    ),
  );
  return manifest ?? [];
});

/** The shard paths a TF.js `model.json` lists, relative to the repository root. */
export function tfjsShards(modelJsonPath: string, modelJson: string): string[] {
  let json: unknown;
  try {
    json = JSON.parse(modelJson);
  } catch (cause) {
    throw new ModelhubError('INVALID_MANIFEST', `${modelJsonPath} is not a TF.js model.json.`, { cause });
  }
  const parsed = tfjsShardsDocument.safeParse(json);
  if (!parsed.success) {
    throw new ModelhubError('INVALID_MANIFEST', `${modelJsonPath} is not a TF.js model.json.`, {
      details: { path: modelJsonPath, issues: describeIssues(parsed.error.issues) },
    });
  }
  const dir = posix.dirname(modelJsonPath);
  return parsed.data.flatMap((paths) => paths.map((p) => posix.normalize(dir === '.' ? p : `${dir}/${p}`)));
}

/**
 * Chooses the files to fetch. With `include`, exactly the matching files; otherwise the files a
 * runtime needs: for ONNX, one variant of each model (fp32 unless `variant` says otherwise) with its
 * external data, plus every file that is not a weight (configs, vocabularies, the card,
 * `.gitattributes`); for TF.js, `model.json`, exactly the shards it lists and every other non-weight
 * file; for anything else, every file. Only weights the runtime does not load are skipped. `exclude` always applies last.
 * `readModelJson` is called for TF.js repositories (the caller fetches model.json first).
 */
export async function selectFiles(
  files: readonly FileEntry[],
  options: SelectOptions,
  readModelJson: (path: string) => Promise<string>,
): Promise<FileEntry[]> {
  const exclude =
    options.exclude !== undefined && options.exclude.length > 0 ? globMatcher(options.exclude) : () => false;
  let chosen: FileEntry[];
  if (options.include !== undefined && options.include.length > 0) {
    const include = globMatcher(options.include);
    chosen = files.filter((f) => include(f.path));
  } else {
    chosen = await defaultSelection(files, options.variant, readModelJson);
  }
  return chosen
    .filter((f) => !exclude(f.path))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

async function defaultSelection(
  files: readonly FileEntry[],
  variant: Variant | undefined,
  readModelJson: (path: string) => Promise<string>,
): Promise<FileEntry[]> {
  const format = detectFormat(files);
  // Every file but weights, `.gitattributes` included: huggingface_hub reads a snapshot offline as
  // complete only when every file of `trees/<commit>.json` is there, so a shared cache needs it.
  const support = files.filter((f) => !WEIGHT.test(f.path));
  if (format === 'onnx') {
    const groups = new Map<string, Map<Variant, FileEntry>>();
    for (const f of files.filter((x) => x.path.endsWith('.onnx'))) {
      const { group, variant: v } = onnxVariantOf(f.path);
      const entry = groups.get(group) ?? new Map<Variant, FileEntry>();
      entry.set(v, f);
      groups.set(group, entry);
    }
    const want = variant ?? 'fp32';
    const models: FileEntry[] = [];
    for (const variants of groups.values()) {
      const pick = variants.get(want) ?? (variant === undefined ? [...variants.values()][0] : undefined);
      if (pick !== undefined) {
        models.push(pick);
      }
    }
    if (models.length === 0) {
      const available = [...new Set([...groups.values()].flatMap((v) => [...v.keys()]))];
      throw new ModelhubError('ENTRY_NOT_FOUND', `The repository has no ${want} ONNX variant.`, {
        hint: `Available variants: ${available.join(', ')} (--variant NAME).`,
        details: { variant: want, available },
      });
    }
    const external = files.filter((f) =>
      models.some(
        (m) =>
          f.path !== m.path && (f.path.startsWith(`${m.path}_data`) || f.path.startsWith(`${m.path}.data`)),
      ),
    );
    return [...models, ...external, ...support];
  }
  if (format === 'tfjs') {
    const modelJsons = files.filter((f) => posix.basename(f.path) === 'model.json');
    const shards = new Set<string>();
    for (const m of modelJsons) {
      for (const shard of tfjsShards(m.path, await readModelJson(m.path))) {
        shards.add(shard);
      }
    }
    const missing = [...shards].filter((s) => !files.some((f) => f.path === s));
    if (missing.length > 0) {
      throw new ModelhubError(
        'ENTRY_NOT_FOUND',
        `model.json lists shards the repository lacks: ${missing.join(', ')}.`,
        {
          details: { missing },
        },
      );
    }
    return [...files.filter((f) => shards.has(f.path)), ...support.filter((f) => !shards.has(f.path))];
  }
  return [...files];
}

/** Known ONNX variant suffixes, for messages. */
export const onnxSuffixes: readonly string[] = ONNX_SUFFIXES;
