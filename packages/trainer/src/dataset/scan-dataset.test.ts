import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';

import { emptyClassWarnings, scanDataset } from './scan-dataset.ts';
import { stratifiedSplit } from './stratified-split.ts';

const png = (n: number): Uint8Array => Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, n]);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'trainer-scan-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function classFolders(spec: Record<string, number>): Promise<void> {
  let n = 0;
  for (const [label, count] of Object.entries(spec)) {
    await mkdir(join(dir, label), { recursive: true });
    for (let i = 0; i < count; i++) {
      await writeFile(join(dir, label, `${i}.png`), png(n++));
    }
  }
}

describe('scanDataset', () => {
  it('reads class folders in a stable order with a manifest hash', async () => {
    await classFolders({ '10': 2, '2': 3, cat: 1 });
    await writeFile(join(dir, '2', 'notes.md'), 'ignored');
    const ds = await scanDataset(dir);
    expect(ds.labels).toEqual(['2', '10', 'cat']);
    expect(ds.perClass).toEqual({ '2': 3, '10': 2, cat: 1 });
    expect(ds.items.map((i) => i.relPath)).toEqual([
      '2/0.png',
      '2/1.png',
      '2/2.png',
      '10/0.png',
      '10/1.png',
      'cat/0.png',
    ]);
    expect(ds.manifestSha256).toMatch(/^[0-9a-f]{64}$/);
    // The hash follows content: changing one file's bytes changes it.
    const before = ds.manifestSha256;
    await writeFile(join(dir, 'cat', '0.png'), png(99));
    expect((await scanDataset(dir)).manifestSha256).not.toBe(before);
  });

  it('names unreadable files and skips them only with skipBad', async () => {
    await classFolders({ a: 2, b: 2 });
    await writeFile(join(dir, 'a', 'broken.png'), 'not an image');
    await writeFile(join(dir, 'b', 'empty.jpg'), '');
    const error = await scanDataset(dir).catch((e: unknown) => e);
    expect(isModelhubError(error) && error.code).toBe('INVALID_DATASET');
    expect(String((error as Error).message)).toMatch(/broken\.png: not a PNG/);
    expect(String((error as Error).message)).toMatch(/empty\.jpg: empty file/);
    const ds = await scanDataset(dir, { skipBad: true });
    expect(ds.items).toHaveLength(4);
    expect(ds.skipped.map((s) => s.path.split('/').pop())).toEqual(['broken.png', 'empty.jpg']);
  });

  it('reads CSV and JSONL manifests relative to their folder', async () => {
    await classFolders({ x: 2, y: 2 });
    await writeFile(
      join(dir, 'list.csv'),
      'path,label\nx/0.png,left\n"x/1.png",left\ny/0.png,right\ny/1.png,right\n',
    );
    const csv = await scanDataset(join(dir, 'list.csv'));
    expect(csv.labels).toEqual(['left', 'right']);
    expect(csv.items[0]?.relPath).toBe('x/0.png');
    await writeFile(
      join(dir, 'list.jsonl'),
      ['x/0.png', 'x/1.png', 'y/0.png', 'y/1.png']
        .map((p, i) => JSON.stringify({ path: p, label: i < 2 ? 'left' : 'right' }))
        .join('\n'),
    );
    const jsonl = await scanDataset(join(dir, 'list.jsonl'));
    expect(jsonl.manifestSha256).toBe(csv.manifestSha256);
    await writeFile(join(dir, 'bad.jsonl'), '{"path": "x/0.png"}\n');
    await expect(scanDataset(join(dir, 'bad.jsonl'))).rejects.toThrow(/bad\.jsonl:1/);
  });

  it('names class folders that gave no example instead of dropping them silently', async () => {
    await classFolders({ cat: 2, dog: 2, bird: 0, fish: 0, frog: 0 });
    await writeFile(join(dir, 'fish', 'notes.md'), 'not an example');
    await writeFile(join(dir, 'frog', 'broken.png'), 'not an image');
    const ds = await scanDataset(dir, { skipBad: true });
    expect(ds.labels).toEqual(['cat', 'dog']);
    expect(ds.emptyLabels).toEqual(['bird', 'fish', 'frog']);
    expect(emptyClassWarnings(ds)).toEqual([
      'the class folder bird/ holds no usable example (.png, .jpg, .jpeg, .webp, .txt, .wav); the label "bird" is left out.',
      'the class folder fish/ holds no usable example (.png, .jpg, .jpeg, .webp, .txt, .wav); the label "fish" is left out.',
      'the class folder frog/ holds no usable example (.png, .jpg, .jpeg, .webp, .txt, .wav); the label "frog" is left out.',
    ]);
    await rm(join(dir, 'dog'), { recursive: true });
    await expect(scanDataset(dir, { skipBad: true })).rejects.toThrow(
      /1 label\(s\) with examples; a classifier needs at least 2 \(no example in bird\/, fish\/, frog\/\)/,
    );
  });

  it('refuses a dataset with one label', async () => {
    await classFolders({ only: 3 });
    await expect(scanDataset(dir)).rejects.toThrow(/at least 2/);
  });
});

describe('stratifiedSplit', () => {
  const labels = [
    ...Array<string>(10).fill('a'),
    ...Array<string>(5).fill('b'),
    ...Array<string>(2).fill('c'),
  ];

  it('puts every class on both sides, reproducibly', () => {
    const s = stratifiedSplit(labels, { validationFraction: 0.2, seed: 3 });
    const count = (idx: readonly number[], l: string): number => idx.filter((i) => labels[i] === l).length;
    expect([count(s.validation, 'a'), count(s.validation, 'b'), count(s.validation, 'c')]).toEqual([2, 1, 1]);
    expect([count(s.train, 'a'), count(s.train, 'b'), count(s.train, 'c')]).toEqual([8, 4, 1]);
    expect(new Set([...s.train, ...s.validation]).size).toBe(labels.length);
    expect(stratifiedSplit(labels, { validationFraction: 0.2, seed: 3 })).toEqual(s);
    expect(stratifiedSplit(labels, { validationFraction: 0.2, seed: 4 }).validation).not.toEqual(
      s.validation,
    );
  });

  it('names a class too small to split', () => {
    expect(() => stratifiedSplit(['a', 'a', 'b'], { validationFraction: 0.2, seed: 1 })).toThrow(
      /"b" have fewer than 2/,
    );
  });

  it('reads texts and clips from class folders and labelled texts from a CSV, naming bad ones', async () => {
    const root = join(dir, 'modal');
    await mkdir(join(root, 'ham'), { recursive: true });
    await mkdir(join(root, 'spam'), { recursive: true });
    await writeFile(join(root, 'ham', 'a.txt'), 'meeting at noon\n');
    await writeFile(join(root, 'spam', 'b.txt'), 'free money');
    await writeFile(join(root, 'spam', 'c.wav'), 'RIFF\0\0\0\0WAVEfmt ');
    await writeFile(join(root, 'ham', 'blank.txt'), '  \n');
    await expect(scanDataset(root)).rejects.toThrow(/blank\.txt: empty text/);
    const ds = await scanDataset(root, { skipBad: true });
    expect(ds.items.map((i) => i.relPath)).toEqual(['ham/a.txt', 'spam/b.txt', 'spam/c.wav']);
    const csv = join(dir, 'texts.csv');
    await writeFile(csv, 'text,label\n"hello, you",ham\nwin now,spam\n,spam\n');
    await expect(scanDataset(csv)).rejects.toThrow(`${csv}:4: empty text`);
    const table = await scanDataset(csv, { skipBad: true });
    expect(table.items.map((i) => [i.label, i.text])).toEqual([
      ['ham', 'hello, you'],
      ['spam', 'win now'],
    ]);
  });
});
