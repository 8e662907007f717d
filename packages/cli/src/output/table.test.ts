import { describe, expect, it } from 'vitest';

import { formatTable, timeAgo } from './table.ts';

describe('formatTable', () => {
  it('lines up columns under their headings, numbers on the right, with no trailing spaces', () => {
    const text = formatTable(
      [{ heading: 'MODEL' }, { heading: 'SIZE', align: 'right' }, { heading: 'REFS' }],
      [
        ['modelhub/ppocr-rec', '10.8 MB', 'main'],
        ['a/b', '1 kB', ''],
      ],
    );
    expect(text).toBe(
      [
        'MODEL                  SIZE  REFS',
        'modelhub/ppocr-rec  10.8 MB  main',
        'a/b                    1 kB',
        '',
      ].join('\n'),
    );
  });
});

describe('formatTable with wide characters', () => {
  it('lines up CJK and emoji cells by terminal columns', () => {
    const text = formatTable(
      [{ heading: 'LABEL' }, { heading: 'N', align: 'right' }, { heading: 'NOTE' }],
      [
        ['猫', '12', 'cat'],
        ['🐶🐶', '3', 'dogs'],
        ['plain', '100', 'x'],
      ],
    );
    expect(text).toBe(
      ['LABEL    N  NOTE', '猫      12  cat', '🐶🐶     3  dogs', 'plain  100  x', ''].join('\n'),
    );
  });
});

describe('timeAgo', () => {
  const now = new Date('2026-11-27T12:00:00Z');
  it('says how long ago, coarsely', () => {
    expect(timeAgo(new Date('2026-11-27T11:59:30Z'), now)).toBe('just now');
    expect(timeAgo(new Date('2026-11-27T11:55:00Z'), now)).toBe('5 min ago');
    expect(timeAgo(new Date('2026-11-27T09:00:00Z'), now)).toBe('3 h ago');
    expect(timeAgo(new Date('2026-11-26T11:00:00Z'), now)).toBe('1 day ago');
    expect(timeAgo(new Date('2026-11-15T12:00:00Z'), now)).toBe('12 days ago');
    expect(timeAgo(new Date('2026-11-28T12:00:00Z'), now)).toBe('just now');
  });
});
