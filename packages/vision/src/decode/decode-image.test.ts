import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp, { type Sharp } from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { isModelhubError } from '@modelhub/core';
import type { PreprocessSpec } from '@modelhub/core';

import { decodeImage } from './decode-image.ts';

const base: PreprocessSpec = {
  source: 'test',
  decode: { exifOrient: true, color: 'rgb', alpha: 'white' },
  resize: { mode: 'none', height: 1, width: 1, resample: 'bilinear', antialias: true },
  crop: { mode: 'none', height: 1, width: 1 },
  pad: null,
  rescale: { scale: 1, offset: 0 },
  normalize: null,
  layout: 'NHWC',
  dtype: 'float32',
};
const spec = (over: Partial<PreprocessSpec>): PreprocessSpec => ({ ...base, ...over });

/** An RGB image whose left half is red and right half blue. */
function halves(width: number, height: number): Sharp {
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      if (x < width / 2) {
        data[i] = 255;
      } else {
        data[i + 2] = 255;
      }
    }
  }
  return sharp(data, { raw: { width, height, channels: 3 } });
}

const pixel = (img: { data: Float32Array; dims: number[] }, y: number, x: number): number[] => {
  const [, w = 0, c = 0] = img.dims;
  return Array.from(img.data.subarray((y * w + x) * c, (y * w + x + 1) * c));
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vision-decode-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('decodeImage', () => {
  it('applies the EXIF orientation of a JPEG', async () => {
    // Stored 8×4 landscape (red left, blue right); orientation 6 = rotate 90° clockwise on display.
    const path = join(dir, 'rotated.jpg');
    await halves(8, 4).jpeg({ quality: 100 }).withMetadata({ orientation: 6 }).toFile(path);
    const img = await decodeImage(path, spec({ rescale: { scale: 1, offset: 0 } }));
    expect(img.dims).toEqual([8, 4, 3]);
    // After rotating clockwise, the left (red) half is on top.
    expect(pixel(img, 0, 2)[0]).toBeGreaterThan(200);
    expect(pixel(img, 7, 2)[2]).toBeGreaterThan(200);

    const raw = await decodeImage(path, spec({ decode: { ...base.decode, exifOrient: false } }));
    expect(raw.dims).toEqual([4, 8, 3]);
  });

  it('turns a gray PNG into three equal channels, and RGB into one gray channel', async () => {
    const path = join(dir, 'gray.png');
    await sharp(Buffer.alloc(6 * 5, 77), { raw: { width: 6, height: 5, channels: 1 } })
      .toColourspace('b-w')
      .png()
      .toFile(path);
    const rgb = await decodeImage(path, spec({}));
    expect(rgb.dims).toEqual([5, 6, 3]);
    expect(pixel(rgb, 2, 3)).toEqual([77, 77, 77]);

    const red = await halves(4, 4).png().toBuffer();
    const gray = await decodeImage(red, spec({ decode: { ...base.decode, color: 'gray' } }));
    expect(gray.dims).toEqual([4, 4, 1]);
    // Rec. 601 luma of pure red and pure blue.
    expect(gray.data[0]).toBeCloseTo(0.299 * 255, 3);
    expect(gray.data[3]).toBeCloseTo(0.114 * 255, 3);
  });

  it('flattens alpha onto white or black', async () => {
    const path = join(dir, 'rgba.png');
    await sharp({
      create: { width: 3, height: 3, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0 } },
    })
      .png()
      .toFile(path);
    expect(pixel(await decodeImage(path, spec({})), 1, 1)).toEqual([255, 255, 255]);
    const black = await decodeImage(path, spec({ decode: { ...base.decode, alpha: 'black' } }));
    expect(pixel(black, 1, 1)).toEqual([0, 0, 0]);
  });

  it('resizes exactly, rescales, normalises, swaps to BGR and lays out NCHW', async () => {
    const png = await halves(40, 20).png().toBuffer();
    const img = await decodeImage(
      png,
      spec({
        decode: { ...base.decode, color: 'bgr' },
        resize: { mode: 'exact', height: 4, width: 8, resample: 'bilinear', antialias: true },
        rescale: { scale: 1 / 255, offset: 0 },
        normalize: { mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] },
        layout: 'NCHW',
      }),
    );
    expect(img.dims).toEqual([3, 4, 8]);
    const at = (c: number, y: number, x: number): number => img.data[c * 32 + y * 8 + x] ?? NaN;
    // Channel 0 is blue in BGR: -1 on the red half, +1 on the blue half.
    expect(at(0, 1, 0)).toBeCloseTo(-1, 5);
    expect(at(0, 1, 7)).toBeCloseTo(1, 5);
    expect(at(2, 1, 0)).toBeCloseTo(1, 5);
    expect(at(1, 2, 3)).toBeCloseTo(-1, 5);
  });

  it('resizes the shortest edge, then center-crops', async () => {
    const png = await halves(40, 20).png().toBuffer();
    const img = await decodeImage(
      png,
      spec({
        resize: { mode: 'shortest_edge', height: 10, width: 10, resample: 'bicubic', antialias: true },
        crop: { mode: 'center', height: 10, width: 10 },
      }),
    );
    // 40×20 → 20×10, crop the middle 10×10: red left of centre, blue right.
    expect(img.dims).toEqual([10, 10, 3]);
    expect(pixel(img, 5, 0)[0]).toBeGreaterThan(250);
    expect(pixel(img, 5, 9)[2]).toBeGreaterThan(250);
  });

  it('fits a text line to the height and pads it on the right', async () => {
    const png = await halves(100, 10).png().toBuffer();
    const img = await decodeImage(
      png,
      spec({
        resize: { mode: 'fit_height', height: 5, width: 80, resample: 'bilinear', antialias: false },
        crop: { mode: 'none', height: 5, width: 80 },
        pad: { height: 5, width: 80, value: -7 },
        rescale: { scale: 1 / 255, offset: 0 },
        layout: 'NCHW',
      }),
    );
    expect(img.dims).toEqual([3, 5, 80]);
    // 100×10 → 50×5, then 30 columns of padding.
    expect(img.data[2 * 400 + 49]).toBeCloseTo(1, 5);
    expect(img.data[2 * 400 + 50]).toBe(-7);
    expect(img.data[79]).toBe(-7);
  });

  it('resamples without antialiasing on the TF alignCorners grid', async () => {
    // A 3-pixel ramp 0, 100, 200 stretched to 5 pixels: alignCorners keeps both ends.
    const png = await sharp(Buffer.from([0, 0, 0, 100, 100, 100, 200, 200, 200]), {
      raw: { width: 3, height: 1, channels: 3 },
    })
      .png()
      .toBuffer();
    const img = await decodeImage(
      png,
      spec({
        resize: {
          mode: 'exact',
          height: 1,
          width: 5,
          resample: 'bilinear',
          antialias: false,
          alignCorners: true,
        },
      }),
    );
    expect(Array.from({ length: 5 }, (_, x) => pixel(img, 0, x)[0])).toEqual([0, 50, 100, 150, 200]);
  });

  it('rejects a corrupt, non-image, missing or oversized input with INVALID_INPUT naming it', async () => {
    const jpg = await halves(16, 16).jpeg().toBuffer();
    const truncated = join(dir, 'truncated.jpg');
    await writeFile(truncated, jpg.subarray(0, jpg.length - 40));
    const text = join(dir, 'notes.png');
    await writeFile(text, 'this is not an image');
    const damaged = /complete PNG, JPEG/;
    const cases: Array<[string, Parameters<typeof decodeImage>, RegExp, RegExp]> = [
      [truncated, [truncated, base], /truncated\.jpg.*corrupt/, damaged],
      [text, [text, base], /notes\.png.*not an image/, damaged],
      [
        join(dir, 'missing.png'),
        [join(dir, 'missing.png'), base],
        /missing\.png.*no such file/,
        /Check the path/,
      ],
      [join(dir, 'big.jpg'), [jpg, base, { maxPixels: 100 }], /<\d+ bytes>.*too large/, damaged],
    ];
    for (const [, args, message, hint] of cases) {
      const error: unknown = await decodeImage(...args).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isModelhubError(error) && error.code).toBe('INVALID_INPUT');
      expect((error as Error).message).toMatch(message);
      expect(isModelhubError(error) && error.hint).toMatch(hint);
    }
  });

  it('rejects an image wider than the fixed pad size', async () => {
    const png = await halves(100, 10).png().toBuffer();
    const padded = spec({
      resize: { mode: 'exact', height: 5, width: 90, resample: 'bilinear', antialias: true },
      pad: { height: 5, width: 80, value: 0 },
    });
    await expect(decodeImage(png, padded)).rejects.toMatchObject({ code: 'INVALID_INPUT' });
  });
});
