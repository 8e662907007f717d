import sharp from 'sharp';
import { describe, expect, it } from 'vitest';

import { decodeBatch } from './decode-batch.ts';
import { decodeGrayPixels } from './decode-gray-pixels.ts';

describe('decodeBatch', () => {
  it('decodes every good input in order and reports the bad ones by index', async () => {
    const good = await Promise.all(
      [10, 20, 30, 40, 50].map((v) =>
        sharp({ create: { width: 7, height: 5, channels: 3, background: { r: v, g: v, b: v } } })
          .png()
          .toBuffer(),
      ),
    );
    const inputs = [
      good[0],
      new Uint8Array([1, 2, 3]),
      good[1],
      good[2],
      '/nonexistent/x.png',
      good[3],
      good[4],
    ].map((x) => x ?? new Uint8Array());
    const spec = {
      source: 'test',
      decode: { exifOrient: true, color: 'gray', alpha: 'white' },
      resize: { mode: 'exact', height: 2, width: 2, resample: 'bilinear', antialias: true },
      crop: { mode: 'none', height: 2, width: 2 },
      pad: null,
      rescale: { scale: 1, offset: 0 },
      normalize: null,
      layout: 'NHWC',
      dtype: 'float32',
    } as const;
    const result = await decodeBatch(inputs, spec, { concurrency: 2 });
    expect(result.failures.map((f) => [f.index, f.input, f.error.code])).toEqual([
      [1, '<3 bytes>', 'INVALID_INPUT'],
      [4, '/nonexistent/x.png', 'INVALID_INPUT'],
    ]);
    expect(result.images.map((img) => img?.data[0])).toEqual([10, undefined, 20, 30, undefined, 40, 50]);
  });
});

describe('decodeGrayPixels', () => {
  it('gives size² gray values in [0, 1]', async () => {
    const png = await sharp({ create: { width: 28, height: 28, channels: 3, background: '#ffffff' } })
      .png()
      .toBuffer();
    const px = await decodeGrayPixels(png, 14);
    expect(px.length).toBe(196);
    expect(Math.min(...px)).toBeCloseTo(1, 5);
  });
});
