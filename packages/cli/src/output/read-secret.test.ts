import { PassThrough } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';

import { readSecret } from './read-secret.ts';

/** A stream that says it is a terminal: CI has no terminal to type on, so the keys are written to it. */
function terminal(): PassThrough & { isTTY: boolean } {
  return Object.assign(new PassThrough(), { isTTY: true });
}

describe('readSecret', () => {
  it('reads the typed line with backspace applied, and never echoes it', async () => {
    const input = terminal();
    let shown = '';
    const secret = readSecret('Token: ', input, (s) => {
      shown += s;
    });
    input.write('hf_abX\x7fc\r');
    expect(await secret).toBe('hf_abc');
    expect(shown).toBe('Token: \n');
  });

  it('stops with INTERRUPTED on Ctrl-C', async () => {
    const input = terminal();
    const secret = readSecret('Token: ', input, () => undefined).catch((e: unknown) => e);
    input.write('hf_a\x03');
    const error = await secret;
    expect(isModelhubError(error) && error.code).toBe('INTERRUPTED');
  });
});
