import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { NpyWriter, parseNpy } from './npy-writer.ts';

describe('NpyWriter', () => {
  it('streams rows and patches the row count into a NumPy 1.0 header', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'modelhub-npy-'));
    try {
      const path = join(dir, 'x.npy');
      const w = await NpyWriter.create(path, 3);
      await w.write([new Float32Array([1, 2, 3])]);
      await w.write([new Float32Array([4, 5, 6]), new Float32Array([-1, 0.5, 1e-3])]);
      await w.close();
      const bytes = new Uint8Array(await readFile(path));
      expect(Array.from(bytes.subarray(0, 8))).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
      const headerText = new TextDecoder().decode(bytes.subarray(10, 128));
      expect(headerText).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(3, 3\), \} *\n$/);
      expect(bytes.length).toBe(128 + 9 * 4);
      const { shape, data } = parseNpy(bytes);
      expect(shape).toEqual([3, 3]);
      expect(Array.from(data)).toEqual(Array.from(new Float32Array([1, 2, 3, 4, 5, 6, -1, 0.5, 1e-3])));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
