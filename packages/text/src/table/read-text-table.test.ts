import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { isTextTable, readTextTable } from './read-text-table.ts';

const dir = await mkdtemp(join(tmpdir(), 'modelhub-text-table-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

describe('readTextTable', () => {
  it('reads CSV with quoted commas, quotes and newlines', async () => {
    const file = join(dir, 'd.csv');
    await writeFile(file, 'id,Text,label\n1,"Hello, ""you""",ham\n2,"two\nlines",spam\n');
    expect(await isTextTable(file)).toBe(true);
    expect(await readTextTable(file)).toEqual([
      { text: 'Hello, "you"', label: 'ham', line: 2 },
      { text: 'two\nlines', label: 'spam', line: 3 },
    ]);
  });

  it('reads JSON Lines and names the bad line', async () => {
    const file = join(dir, 'd.jsonl');
    await writeFile(file, '{"text":"a","label":"x"}\n\n{"text":"b","label":2}\n');
    expect(await readTextTable(file)).toEqual([
      { text: 'a', label: 'x', line: 1 },
      { text: 'b', label: '2', line: 3 },
    ]);
    await writeFile(file, '{"text":"a","label":"x"}\n{"text":3}\n');
    await expect(readTextTable(file)).rejects.toThrow(`${file}:2: each line must be`);
  });

  it('tells a path manifest from a text table, and wants both columns', async () => {
    const paths = join(dir, 'p.csv');
    await writeFile(paths, 'path,label\na.png,x\n');
    expect(await isTextTable(paths)).toBe(false);
    const noLabel = join(dir, 'n.csv');
    await writeFile(noLabel, 'text,other\nhi,x\n');
    await expect(readTextTable(noLabel)).rejects.toThrow(/must name a `text` and a `label` column/);
  });
});
