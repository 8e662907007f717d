import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import * as z from 'zod';

import type { OnnxModel } from '@modelhub/onnx';

const LabelsJson = z.array(z.string());
const ModelhubJson = z.object({ labels: LabelsJson.optional(), family: z.string().optional() }).loose();

/** Class names of known model families whose files do not list them (PaddleOCR `label_list`). */
const familyLabels: Readonly<Record<string, readonly string[]>> = {
  'ppocr-cls': ['0', '180'],
};
const HfConfig = z.object({ id2label: z.record(z.string(), z.string()).optional() }).loose();

async function readJson(path: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
}

/**
 * Class names of a classifier with `classes` outputs, from (in order) `modelhub.json` `labels`,
 * `config.json` `id2label`, the ONNX `labels` metadata entry, or the `modelhub.json` family's
 * known labels; undefined when none matches.
 */
export async function readClassLabels(
  modelDir: string,
  model: OnnxModel,
  classes: number,
): Promise<string[] | undefined> {
  const own = ModelhubJson.safeParse(await readJson(join(modelDir, 'modelhub.json')));
  if (own.success && own.data.labels?.length === classes) {
    return own.data.labels;
  }
  const hf = HfConfig.safeParse(await readJson(join(modelDir, 'config.json')));
  if (hf.success && hf.data.id2label !== undefined) {
    const labels = Array.from({ length: classes }, (_, i) => hf.data.id2label?.[String(i)]);
    if (labels.every((l) => l !== undefined)) {
      return labels;
    }
  }
  const meta = model.metadata.get('labels');
  if (meta !== undefined) {
    try {
      const parsed = LabelsJson.safeParse(JSON.parse(meta));
      if (parsed.success && parsed.data.length === classes) {
        return parsed.data;
      }
    } catch {
      // not JSON: ignore
    }
  }
  const known = own.success && own.data.family !== undefined ? familyLabels[own.data.family] : undefined;
  return known?.length === classes ? [...known] : undefined;
}

/**
 * The CTC alphabet of a text recogniser with `classes` outputs per time step: a `*keys*.txt` /
 * `*dict*.txt` file, one character per line, with the blank at index 0 and (PaddleOCR's
 * `use_space_char`) a space at the end when the counts say so.
 */
export async function readCtcAlphabet(modelDir: string, classes: number): Promise<string[] | undefined> {
  let names: string[];
  try {
    names = await readdir(modelDir);
  } catch {
    return undefined;
  }
  for (const name of names.filter((n) => /(keys|dict).*\.txt$/i.test(n)).sort()) {
    const text = await readFile(join(modelDir, name), 'utf8');
    const chars = text.split(/\r?\n/);
    if (chars.at(-1) === '') {
      chars.pop();
    }
    if (chars.length + 2 === classes) {
      return ['', ...chars, ' '];
    }
    if (chars.length + 1 === classes) {
      return ['', ...chars];
    }
  }
  return undefined;
}
