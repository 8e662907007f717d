import { describe, expect, it } from 'vitest';

import { commandOf, runsAModel } from './early-start.ts';

describe('commandOf', () => {
  it('skips global options and the values of those that take one', () => {
    expect(commandOf(['--json', 'predict', 'head', 'a.png'])).toBe('predict');
    expect(commandOf(['--endpoint', 'http://127.0.0.1:1', 'eval', 'head'])).toBe('eval');
    expect(commandOf(['--cache-dir', '/tmp/c', '--token', 't', 'embed', 'm'])).toBe('embed');
    expect(commandOf(['--endpoint=http://x', 'train'])).toBe('train');
    expect(commandOf(['--', 'pull'])).toBe('pull');
    expect(commandOf(['--version'])).toBeUndefined();
    expect(commandOf([])).toBeUndefined();
  });
});

describe('runsAModel', () => {
  it('is true for the commands that open a model, false for the rest', () => {
    for (const command of ['predict', 'eval', 'embed', 'train', 'export']) {
      expect(runsAModel([command, 'x'])).toBe(true);
    }
    for (const args of [['pull', 'predict'], ['serve'], ['--endpoint', 'predict', 'ls'], ['--help']]) {
      expect(runsAModel(args)).toBe(false);
    }
  });
});
