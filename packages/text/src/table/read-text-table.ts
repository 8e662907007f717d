import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';

import { ModelhubError } from '@modelhub/core';

/** One labelled text of a CSV or JSON Lines file. */
export interface TextRow {
  readonly text: string;
  readonly label: string;
  /** 1-based line (JSONL) or record number + 1 for the header (CSV), for messages. */
  readonly line: number;
}

const TEXT_COLUMNS = ['text', 'sentence', 'content', 'message', 'subject'];
const LABEL_COLUMNS = ['label', 'class', 'category'];

function bad(file: string, line: number, message: string): ModelhubError {
  return new ModelhubError('INVALID_DATASET', `${file}:${line}: ${message}`, {
    hint: 'A text dataset file is a CSV with a `text` and a `label` column, or JSON Lines of {"text": …, "label": …}.',
    details: { file, line },
  });
}

const pick = (keys: readonly string[], wanted: readonly string[]): string | undefined =>
  wanted.map((w) => keys.find((k) => k.toLowerCase() === w)).find((k) => k !== undefined);

/** True when a CSV/JSONL file holds texts (a text column) rather than paths of files. */
export async function isTextTable(file: string): Promise<boolean> {
  const head = (await readFile(file, 'utf8')).slice(0, 4096);
  if (extname(file).toLowerCase() === '.csv') {
    const firstLine = head.split(/\r?\n/)[0] ?? '';
    const header = firstLine.split(',').map((h) => h.trim().replace(/^"|"$/g, ''));
    return pick(header, TEXT_COLUMNS) !== undefined && pick(header, LABEL_COLUMNS) !== undefined;
  }
  try {
    const first = JSON.parse(head.split(/\r?\n/).find((l) => l.trim() !== '') ?? '') as unknown;
    return (
      typeof first === 'object' && first !== null && pick(Object.keys(first), TEXT_COLUMNS) !== undefined
    );
  } catch {
    return false;
  }
}

/**
 * Reads the labelled texts of a CSV (RFC 4180 through csv-parse: quoted fields may hold commas,
 * quotes and newlines) or JSON Lines file. The text column is `text` (or sentence, content,
 * message, subject), the label column `label` (or class, category).
 */
export async function readTextTable(file: string): Promise<TextRow[]> {
  const content = await readFile(file, 'utf8');
  const rows: TextRow[] = [];
  if (extname(file).toLowerCase() === '.csv') {
    // Imported here: only a CSV dataset needs the parser (~7 ms to load).
    const { parse } = await import('csv-parse/sync');
    let records: Record<string, string>[];
    try {
      records = parse<Record<string, string>>(content, {
        columns: true,
        skip_empty_lines: true,
        bom: true,
        trim: false,
      });
    } catch (cause) {
      throw bad(
        file,
        (cause as { lines?: number }).lines ?? 1,
        `not valid CSV (${(cause as Error).message})`,
      );
    }
    const keys = Object.keys(records[0] ?? {});
    const textCol = pick(keys, TEXT_COLUMNS);
    const labelCol = pick(keys, LABEL_COLUMNS);
    if (textCol === undefined || labelCol === undefined) {
      throw bad(file, 1, 'the header must name a `text` and a `label` column');
    }
    records.forEach((r, i) => {
      rows.push({ text: r[textCol] ?? '', label: (r[labelCol] ?? '').trim(), line: i + 2 });
    });
    return rows;
  }
  content.split(/\r?\n/).forEach((line, i) => {
    if (line.trim() === '') {
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch (cause) {
      throw bad(file, i + 1, `not JSON (${(cause as Error).message})`);
    }
    if (typeof json !== 'object' || json === null) {
      throw bad(file, i + 1, 'each line must be an object with a text and a label');
    }
    const record = json as Record<string, unknown>;
    const textKey = pick(Object.keys(record), TEXT_COLUMNS);
    const labelKey = pick(Object.keys(record), LABEL_COLUMNS);
    const text = textKey === undefined ? undefined : record[textKey];
    const label = labelKey === undefined ? undefined : record[labelKey];
    if (typeof text !== 'string' || (typeof label !== 'string' && typeof label !== 'number')) {
      throw bad(file, i + 1, 'each line must be {"text": string, "label": string}');
    }
    rows.push({ text, label: String(label).trim(), line: i + 1 });
  });
  return rows;
}
