import { describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';

import { withMemoryHint } from './memory-hint.ts';

function thrown(step: () => unknown): unknown {
  try {
    withMemoryHint(16, step);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe('withMemoryHint', () => {
  it('returns what the step returns', () => {
    expect(withMemoryHint(4, () => 42)).toBe(42);
  });

  it('turns wasm running out of memory into OUT_OF_MEMORY with the batch size and what to change', () => {
    // What V8 throws (a WebAssembly.RuntimeError) when a wasm module reads past its full heap.
    const cause = Object.assign(new Error('memory access out of bounds'), { name: 'RuntimeError' });
    const error = thrown(() => {
      throw cause;
    });
    expect(isModelhubError(error) && error.code).toBe('OUT_OF_MEMORY');
    expect(String((error as Error).message)).toMatch(/with 16 images per step/);
    expect(isModelhubError(error) ? error.hint : '').toMatch(/--batch-size/);
    expect((error as Error).cause).toBe(cause);
  });

  it('lets every other error through unchanged', () => {
    const other = new Error('shapes do not match');
    expect(
      thrown(() => {
        throw other;
      }),
    ).toBe(other);
  });
});
