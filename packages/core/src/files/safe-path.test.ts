import { describe, expect, it } from 'vitest';

import { assertSafeRepoPath } from './safe-path.ts';

describe('assertSafeRepoPath', () => {
  it.each(['model.onnx', 'onnx/model_quantized.onnx', '.gitattributes', 'a/.hidden/b.txt'])(
    'accepts %s',
    (p) => {
      expect(assertSafeRepoPath(p)).toBe(p);
    },
  );

  it.each(['', '../x', 'a/../../x', '/etc/passwd', 'C:/x', 'a\\b', 'a/./b', 'a//b', 'x\0y', 'a/'])(
    'refuses %j',
    (p) => {
      expect(() => assertSafeRepoPath(p)).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }) as Error,
      );
    },
  );
});
