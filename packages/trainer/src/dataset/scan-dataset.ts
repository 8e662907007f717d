import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, relative, resolve, sep } from 'node:path';

import * as z from 'zod';

import { forEachConcurrently, ModelhubError, sha256 } from '@modelhub/core';
import { isTextTable, readTextTable } from '@modelhub/text';

import { compareLabels } from './compare-labels.ts';
import type { Dataset, DatasetItem, SkippedFile } from './dataset.ts';
import { datasetManifestHash } from './dataset-manifest-hash.ts';

const imageExtensions = new Set(['.png', '.jpg', '.jpeg', '.webp']);
/** Files a class folder may hold: images, texts (one example per file) and WAV clips. */
const exampleExtensions = new Set([...imageExtensions, '.txt', '.wav']);

/** Options of {@link scanDataset}. */
export interface ScanDatasetOptions {
  /** Leave unreadable or non-image files out (listed in `skipped`) instead of failing. @default false */
  readonly skipBad?: boolean;
  /** How many files are read and hashed at once. @default 16 */
  readonly concurrency?: number;
}

interface Entry {
  readonly path: string;
  readonly label: string;
}

const JsonlRow = z.object({ path: z.string().min(1), label: z.union([z.string().min(1), z.number()]) });

/** Why a file's bytes cannot be an example of its kind, or undefined when they look right. */
function contentProblem(path: string, bytes: Uint8Array): string | undefined {
  if (bytes.byteLength === 0) {
    return 'empty file';
  }
  const ext = extname(path).toLowerCase();
  if (ext === '.txt') {
    try {
      return new TextDecoder('utf-8', { fatal: true }).decode(bytes).trim() === '' ? 'empty text' : undefined;
    } catch {
      return 'not UTF-8 text';
    }
  }
  if (ext === '.wav') {
    const tag = String.fromCharCode(...bytes.subarray(0, 4));
    const wave = String.fromCharCode(...bytes.subarray(8, 12));
    return ['RIFF', 'RIFX', 'RF64'].includes(tag) && wave === 'WAVE' ? undefined : 'not a WAV file';
  }
  return looksLikeImage(bytes) ? undefined : 'not a PNG, JPEG or WebP image';
}

/** True when the bytes start like a PNG, JPEG or WebP file. */
function looksLikeImage(bytes: Uint8Array): boolean {
  const b = (i: number): number => bytes[i] ?? -1;
  const png = b(0) === 0x89 && b(1) === 0x50 && b(2) === 0x4e && b(3) === 0x47;
  const jpeg = b(0) === 0xff && b(1) === 0xd8 && b(2) === 0xff;
  const webp =
    b(0) === 0x52 && b(1) === 0x49 && b(2) === 0x46 && b(3) === 0x46 && b(8) === 0x57 && b(9) === 0x45;
  return png || jpeg || webp;
}

/** The examples of a class-folder tree, and the names of every class folder (empty ones too). */
async function classFolderEntries(root: string): Promise<{ entries: Entry[]; folders: string[] }> {
  const entries: Entry[] = [];
  const folders: string[] = [];
  const top = await readdir(root, { withFileTypes: true });
  for (const dir of top) {
    if (!dir.isDirectory() || dir.name.startsWith('.')) {
      continue;
    }
    folders.push(dir.name);
    const files = await readdir(join(root, dir.name), { recursive: true, withFileTypes: true });
    for (const file of files) {
      if (
        file.isFile() &&
        !file.name.startsWith('.') &&
        exampleExtensions.has(extname(file.name).toLowerCase())
      ) {
        entries.push({ path: join(file.parentPath, file.name), label: dir.name });
      }
    }
  }
  return { entries, folders };
}

/** Splits one CSV line, honouring double-quoted fields with `""` escapes. */
function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"' && line[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') {
        quoted = false;
      } else {
        field += ch;
      }
    } else if (ch === '"') {
      quoted = true;
    } else if (ch === ',') {
      out.push(field);
      field = '';
    } else {
      field += ch;
    }
  }
  out.push(field);
  return out.map((f) => f.trim());
}

function badManifest(file: string, line: number, message: string): ModelhubError {
  return new ModelhubError('INVALID_DATASET', `${file}:${line}: ${message}`, {
    hint: 'A dataset manifest is a CSV with a `path,label` header, or JSON Lines of {"path": …, "label": …}.',
    details: { file, line },
  });
}

async function manifestEntries(file: string): Promise<Entry[]> {
  const text = await readFile(file, 'utf8');
  const base = dirname(file);
  const lines = text.split(/\r?\n/);
  const entries: Entry[] = [];
  const toEntry = (path: string, label: string): Entry => ({
    path: isAbsolute(path) ? path : resolve(base, path),
    label,
  });
  if (extname(file).toLowerCase() === '.csv') {
    const header = splitCsvLine(lines[0] ?? '').map((h) => h.toLowerCase());
    const pathCol = header.findIndex((h) => ['path', 'file', 'filename', 'image'].includes(h));
    const labelCol = header.findIndex((h) => ['label', 'class', 'category'].includes(h));
    if (pathCol < 0 || labelCol < 0) {
      throw badManifest(file, 1, 'the header must name a `path` and a `label` column');
    }
    lines.slice(1).forEach((line, i) => {
      if (line.trim() === '') {
        return;
      }
      const cells = splitCsvLine(line);
      const path = cells[pathCol] ?? '';
      const label = cells[labelCol] ?? '';
      if (path === '' || label === '') {
        throw badManifest(file, i + 2, 'a row needs a path and a label');
      }
      entries.push(toEntry(path, label));
    });
    return entries;
  }
  lines.forEach((line, i) => {
    if (line.trim() === '') {
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (cause) {
      throw badManifest(file, i + 1, `not JSON (${(cause as Error).message})`);
    }
    const row = JsonlRow.safeParse(json);
    if (!row.success) {
      throw badManifest(file, i + 1, 'each line must be {"path": string, "label": string}');
    }
    entries.push(toEntry(row.data.path, String(row.data.label)));
  });
  return entries;
}

/**
 * Reads a dataset: a class-folder tree (`root/<label>/*.png|jpg|webp|txt|wav`), a CSV/JSONL manifest
 * of (path, label) rows, or a CSV/JSONL table of (text, label) rows. Every file is read and hashed;
 * files that cannot be read or do not hold what their extension says (an empty or non-UTF-8 `.txt`,
 * a `.wav` that is not RIFF/WAVE, a broken image) fail the scan, naming each one, unless `skipBad` is set.
 */
export async function scanDataset(source: string, options: ScanDatasetOptions = {}): Promise<Dataset> {
  const abs = resolve(source);
  let info;
  try {
    info = await stat(abs);
  } catch (cause) {
    throw new ModelhubError('INVALID_DATASET', `dataset ${source} does not exist or cannot be read`, {
      hint: 'Pass a folder with one sub-folder per label, or a .csv/.jsonl manifest.',
      details: { source },
      cause,
    });
  }
  const isManifest = info.isFile() && ['.csv', '.jsonl', '.ndjson'].includes(extname(abs).toLowerCase());
  if (!info.isDirectory() && !isManifest) {
    throw new ModelhubError(
      'INVALID_DATASET',
      `dataset ${source} is neither a folder nor a .csv/.jsonl manifest`,
      {
        hint: 'Pass a folder with one sub-folder per label, or a .csv/.jsonl manifest.',
        details: { source },
      },
    );
  }
  const root = isManifest ? dirname(abs) : abs;
  if (isManifest && (await isTextTable(abs))) {
    return textTableDataset(source, abs, options);
  }
  const { entries, folders } = isManifest
    ? { entries: await manifestEntries(abs), folders: [] }
    : await classFolderEntries(abs);

  const items: (DatasetItem | undefined)[] = new Array<DatasetItem | undefined>(entries.length);
  const bad: SkippedFile[] = [];
  await forEachConcurrently(entries.length, options.concurrency ?? 16, async (index) => {
    const entry = entries[index] as Entry;
    let bytes: Uint8Array;
    try {
      bytes = await readFile(entry.path);
    } catch (error) {
      bad.push({ path: entry.path, reason: (error as NodeJS.ErrnoException).code ?? String(error) });
      return;
    }
    const problem = contentProblem(entry.path, bytes);
    if (problem !== undefined) {
      bad.push({ path: entry.path, reason: problem });
      return;
    }
    const rel = relative(root, entry.path).split(sep).join('/');
    items[index] = { path: entry.path, relPath: rel, label: entry.label, sha256: sha256(bytes) };
  });

  return finishDataset(
    source,
    abs,
    items.filter((i): i is DatasetItem => i !== undefined),
    bad,
    options,
    folders,
  );
}

/** A dataset of texts from a CSV/JSONL table (`text` and `label` columns): each row is one example. */
async function textTableDataset(source: string, file: string, options: ScanDatasetOptions): Promise<Dataset> {
  const rows = await readTextTable(file);
  const items: DatasetItem[] = [];
  const bad: SkippedFile[] = [];
  const name = file.split(sep).pop() ?? file;
  for (const row of rows) {
    const text = row.text.trim();
    const at = `${file}:${row.line}`;
    if (text === '' || row.label === '') {
      bad.push({ path: at, reason: text === '' ? 'empty text' : 'no label' });
      continue;
    }
    items.push({
      path: at,
      relPath: `${name}:${row.line}`,
      label: row.label,
      sha256: sha256(new TextEncoder().encode(text)),
      text,
    });
  }
  return finishDataset(source, file, items, bad, options);
}

function finishDataset(
  source: string,
  abs: string,
  kept: DatasetItem[],
  bad: SkippedFile[],
  options: ScanDatasetOptions,
  classFolders: readonly string[] = [],
): Dataset {
  bad.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  if (bad.length > 0 && options.skipBad !== true) {
    const shown = bad.slice(0, 20).map((b) => `${b.path}: ${b.reason}`);
    const more = bad.length > shown.length ? `\n  … and ${bad.length - shown.length} more` : '';
    throw new ModelhubError(
      'INVALID_DATASET',
      `${bad.length} file(s) in ${source} cannot be used:\n  ${shown.join('\n  ')}${more}`,
      { hint: 'Fix or remove them, or pass --skip-bad to leave them out.', details: { skipped: bad } },
    );
  }

  kept.sort(
    (a, b) => compareLabels(a.label, b.label) || (a.relPath < b.relPath ? -1 : a.relPath > b.relPath ? 1 : 0),
  );
  const perClass: Record<string, number> = {};
  for (const item of kept) {
    perClass[item.label] = (perClass[item.label] ?? 0) + 1;
  }
  const labels = Object.keys(perClass).sort(compareLabels);
  const emptyLabels = classFolders.filter((f) => perClass[f] === undefined).sort(compareLabels);
  if (labels.length < 2) {
    throw new ModelhubError(
      'INVALID_DATASET',
      `dataset ${source} has ${labels.length} label(s) with examples; a classifier needs at least 2` +
        (emptyLabels.length > 0 ? ` (no example in ${emptyLabels.map((l) => `${l}/`).join(', ')})` : ''),
      {
        hint: 'Put the images of each class in their own sub-folder (root/<label>/*.png), or list them in a manifest.',
        details: { source, labels, emptyLabels },
      },
    );
  }
  return {
    source: abs,
    items: kept,
    labels,
    perClass,
    manifestSha256: datasetManifestHash(kept),
    skipped: bad,
    emptyLabels,
  };
}

/**
 * One warning per class folder that gave no example, for `hub train` and `hub eval` to print: such
 * a folder is left out, which a user who made it for a class must hear about.
 */
export function emptyClassWarnings(dataset: Dataset): string[] {
  return dataset.emptyLabels.map(
    (label) =>
      `the class folder ${label}/ holds no usable example (${[...exampleExtensions].join(', ')}); ` +
      `the label "${label}" is left out.`,
  );
}
