import { describe, expect, it } from 'vitest';

import { positionMask, realPositions } from './position-mask.ts';

describe('realPositions', () => {
  it('counts the cells whose centre lies in the image (PaddleOCR rec: stride 8)', () => {
    // a square digit at height 48 is 48 px wide: 6 of the 40 steps of a 320-px strip
    expect(realPositions(40, 320, 48)).toBe(6);
    // 50 px: the 7th cell (48…56) has its centre at 52, outside
    expect(realPositions(40, 320, 50)).toBe(6);
    expect(realPositions(40, 320, 53)).toBe(7);
    expect(realPositions(40, 320, 320)).toBe(40);
    expect(realPositions(7, 56, 56)).toBe(7);
  });

  it('keeps at least one position for an image thinner than a cell', () => {
    expect(realPositions(40, 320, 1)).toBe(1);
    expect(realPositions(0, 320, 1)).toBe(0);
  });
});

describe('positionMask', () => {
  it('masks the padded columns of each image of a batch ([N, T] for a sequence along the width)', () => {
    const mask = positionMask([{ length: 5, input: 'width' }], { height: 48, width: 40 }, [
      { height: 48, width: 16 },
      { height: 48, width: 40 },
    ]);
    expect(Array.from(mask)).toEqual([1, 1, 0, 0, 0, 1, 1, 1, 1, 1]);
  });

  it('masks rows and columns of a 2-D map, row-major, and leaves axes that do not follow the image alone', () => {
    const grid = positionMask(
      [
        { length: 2, input: 'height' },
        { length: 3, input: 'width' },
      ],
      { height: 64, width: 96 },
      [{ height: 32, width: 64 }],
    );
    expect(Array.from(grid)).toEqual([1, 1, 0, 0, 0, 0]);
    const tokens = positionMask([{ length: 3, input: undefined }], { height: 8, width: 8 }, [
      { height: 1, width: 1 },
    ]);
    expect(Array.from(tokens)).toEqual([1, 1, 1]);
  });
});
