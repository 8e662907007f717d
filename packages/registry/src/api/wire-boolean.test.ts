import { describe, expect, it } from 'vitest';

import { wireBoolean } from './wire-boolean.ts';

describe('wireBoolean', () => {
  it.each([
    [true, true],
    ['true', true],
    ['True', true],
    ['TRUE', true],
    ['1', true],
    [1, true],
    [' true ', true],
    [false, false],
    ['false', false],
    ['False', false],
    ['0', false],
    ['yes', false],
    ['', false],
    [undefined, false],
    [null, false],
    [['true'], false],
  ])('%j → %s', (value, expected) => {
    expect(wireBoolean(value)).toBe(expected);
  });
});
