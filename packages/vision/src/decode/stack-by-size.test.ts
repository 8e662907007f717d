import { describe, expect, it } from 'vitest';

import type { DecodedImage } from './decode-image.ts';
import { stackBySize } from './stack-by-size.ts';

const image = (width: number, fill: number, validWidth = width): DecodedImage => ({
  data: new Float32Array(2 * width).fill(fill),
  dims: [2, width, 1],
  valid: { height: 2, width: validWidth },
});

describe('stackBySize', () => {
  it('stacks images of one size together, groups in order of their first image, skipping missing ones', () => {
    const groups = [...stackBySize([image(3, 1), undefined, image(4, 2, 3), image(3, 3, 2), image(4, 4)])];
    expect(groups.map((g) => [g.indices, g.dims])).toEqual([
      [
        [0, 3],
        [2, 3, 1],
      ],
      [
        [2, 4],
        [2, 4, 1],
      ],
    ]);
    expect(Array.from(groups[0]?.data ?? [])).toEqual([1, 1, 1, 1, 1, 1, 3, 3, 3, 3, 3, 3]);
    expect(Array.from(groups[1]?.data ?? [])).toEqual([2, 2, 2, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4, 4, 4, 4]);
    expect(groups.map((g) => g.valid.map((v) => v.width))).toEqual([
      [3, 2],
      [3, 4],
    ]);
  });

  it('gives no group for no images', () => {
    expect([...stackBySize([undefined, undefined])]).toEqual([]);
  });
});
