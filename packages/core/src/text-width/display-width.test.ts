import { describe, expect, it } from 'vitest';

import { displayWidth, padEndColumns, padStartColumns, truncateColumns } from './display-width.ts';

describe('display width', () => {
  it('counts wide CJK and emoji as two columns, combining marks as none', () => {
    expect(displayWidth('cat')).toBe(3);
    expect(displayWidth('猫')).toBe(2);
    expect(displayWidth('🐶')).toBe(2);
    expect(displayWidth('👩‍👩‍👧')).toBe(2);
    expect(displayWidth('e\u0301')).toBe(1);
  });

  it('pads to columns, not UTF-16 units', () => {
    expect(padEndColumns('猫', 5)).toBe('猫   ');
    expect(padStartColumns('🐶', 4)).toBe('  🐶');
    expect(padEndColumns('too long', 3)).toBe('too long');
  });

  it('truncates by columns without splitting an emoji or a character', () => {
    expect(truncateColumns('short', 14)).toBe('short');
    expect(truncateColumns('日本語のラベルです', 8)).toBe('日本語…');
    expect(displayWidth(truncateColumns('日本語のラベルです', 8))).toBe(7);
    expect(truncateColumns('👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧', 5)).toBe('👩‍👩‍👧👩‍👩‍👧…');
  });
});
