import { describe, expect, it } from 'vitest';

import type { DatasetItem } from './dataset.ts';
import { dedupeItems } from './dedupe-items.ts';

const item = (path: string, label: string, sha256: string): DatasetItem => ({
  path,
  relPath: path,
  label,
  sha256,
});

describe('dedupeItems', () => {
  it('keeps one copy per content, and drops contents that carry two labels', () => {
    const items = [
      item('a/1', 'a', 'h1'),
      item('a/2', 'a', 'h1'),
      item('a/3', 'a', 'h2'),
      item('b/1', 'b', 'h2'),
      item('b/2', 'b', 'h3'),
    ];
    const { items: kept, report } = dedupeItems(items);
    expect(kept.map((i) => i.path)).toEqual(['a/1', 'b/2']);
    expect(report.duplicates).toEqual(['a/2']);
    expect(report.conflicting).toEqual([
      { path: 'a/3', label: 'a' },
      { path: 'b/1', label: 'b' },
    ]);
  });
});
