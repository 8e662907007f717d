import { describe, expect, it } from 'vitest';

import {
  DocumentCheck,
  describeIssues,
  documentSchema,
  nullish,
  optional,
  sha1Hex,
  type DocumentIssue,
} from './document-check.ts';

const sample = documentSchema((check, value) => {
  const doc = check.object(value, []);
  return {
    version: check.oneOf(doc['version'], ['version'], [1]),
    commit: check.string(doc['commit'], ['commit'], sha1Hex),
    size: check.count(doc['size'], ['size']),
    pid: check.integer(doc['pid'], ['pid']),
    at: check.number(doc['at'], ['at']),
    lfs: check.boolean(doc['lfs'], ['lfs']),
    note: optional(doc['note'], (v) => check.string(v, ['note'])),
    author: nullish(doc['author'], (v) => check.string(v, ['author'])),
    tags: check.items(doc['tags'], ['tags'], (t, p) => check.string(t, p)),
    sizes: check.entries(doc['sizes'], ['sizes'], (s, p) => check.count(s, p)),
  };
});

const good = {
  version: 1,
  commit: 'a'.repeat(40),
  size: 0,
  pid: -3,
  at: 1.5,
  lfs: false,
  author: null,
  tags: ['x', 'y'],
  sizes: { 'a.bin': 3 },
};

function issuesOf(value: unknown): DocumentIssue[] {
  const result = sample.safeParse(value);
  if (result.success) {
    throw new Error('expected the check to fail');
  }
  return [...result.error.issues];
}

describe('documentSchema', () => {
  it('returns a good document as read, absent optional fields left out of the checks', () => {
    expect(sample.safeParse(good)).toEqual({
      success: true,
      data: { ...good, note: undefined },
    });
    expect(sample.safeParse({ ...good, note: 'n', author: 'me' })).toMatchObject({
      success: true,
      data: { note: 'n', author: 'me' },
    });
  });

  it.each([
    ['not an object', ['a'], [], 'expected an object, received an array'],
    ['a wrong version', { ...good, version: 2 }, ['version'], 'expected 1, received 2'],
    ['a missing field', { ...good, commit: undefined }, ['commit'], 'expected a string, received nothing'],
    [
      'a string of the wrong form',
      { ...good, commit: 'A'.repeat(40) },
      ['commit'],
      'expected 40 lowercase hex digits',
    ],
    ['a negative size', { ...good, size: -1 }, ['size'], 'expected an integer ≥ 0, received -1'],
    ['a fractional size', { ...good, size: 1.5 }, ['size'], 'expected an integer ≥ 0'],
    ['a fractional integer', { ...good, pid: 0.5 }, ['pid'], 'expected an integer, received 0.5'],
    ['a number as text', { ...good, at: '1' }, ['at'], 'expected a number, received string'],
    ['a boolean as null', { ...good, lfs: null }, ['lfs'], 'expected a boolean, received null'],
    ['a null optional', { ...good, note: null }, ['note'], 'expected a string, received null'],
    ['a wrong nullish', { ...good, author: 3 }, ['author'], 'expected a string, received 3'],
    ['a wrong array item', { ...good, tags: ['x', 2] }, ['tags', 1], 'expected a string, received 2'],
    ['an object for an array', { ...good, tags: {} }, ['tags'], 'expected an array, received object'],
    [
      'a wrong map value',
      { ...good, sizes: { 'a.bin': 'big' } },
      ['sizes', 'a.bin'],
      'expected an integer ≥ 0',
    ],
  ])('refuses %s, naming the field', (_, value, path, message) => {
    const issues = issuesOf(value);
    expect(issues).toHaveLength(1);
    expect(issues[0]?.path).toEqual(path);
    expect(issues[0]?.message).toContain(message);
  });

  it('reports every wrong field of a document in one pass', () => {
    const issues = issuesOf({ ...good, version: '1', size: -1, tags: [1, 2] });
    expect(describeIssues(issues)).toEqual([
      'version: expected 1, received "1"',
      'size: expected an integer ≥ 0, received -1',
      'tags.0: expected a string, received 1',
      'tags.1: expected a string, received 2',
    ]);
  });

  it('keeps the first five issues in a description', () => {
    const check = new DocumentCheck();
    check.items(
      Array.from({ length: 8 }, () => 0),
      ['list'],
      (v, p) => check.string(v, p),
    );
    expect(check.issues).toHaveLength(8);
    expect(describeIssues(check.issues)).toHaveLength(5);
  });

  it('keeps the keys of a map as they are, even __proto__', () => {
    const result = sample.safeParse({ ...good, sizes: JSON.parse('{"__proto__": 1, "b": 2}') as unknown });
    expect(result.success && Object.entries(result.data.sizes)).toEqual([
      ['__proto__', 1],
      ['b', 2],
    ]);
  });
});
