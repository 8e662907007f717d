import { describe, expect, it } from 'vitest';

import { isPoolingName, moveAxisLast, poolFeatures, pooledDim, poolingNames } from './pool-features.ts';

const rows = (vs: Float32Array[]): number[][] => vs.map((v) => Array.from(v));

// N=2, T=3, D=2: row 0 steps (1,10) (3,30) (5,50); row 1 steps (2,-2) (4,-4) (100,100)
const seq = { data: new Float32Array([1, 10, 3, 30, 5, 50, 2, -2, 4, -4, 100, 100]), dims: [2, 3, 2] };

describe('poolFeatures', () => {
  it('mean, max, meanmax, cls and flatten over every position without a mask', () => {
    expect(rows(poolFeatures(seq, 'mean'))).toEqual([[3, 30], [106 / 3, 94 / 3].map((x) => Math.fround(x))]);
    expect(rows(poolFeatures(seq, 'max'))).toEqual([
      [5, 50],
      [100, 100],
    ]);
    expect(rows(poolFeatures(seq, 'meanmax'))[0]).toEqual([3, 30, 5, 50]);
    expect(rows(poolFeatures(seq, 'cls'))).toEqual([
      [1, 10],
      [2, -2],
    ]);
    expect(rows(poolFeatures(seq, 'flatten'))[1]).toEqual([2, -2, 4, -4, 100, 100]);
  });

  it('uses only the real positions when a mask is given (the padded step of row 1 is ignored)', () => {
    const mask = [1, 1, 1, 1, 1, 0];
    expect(rows(poolFeatures(seq, 'mean', mask))).toEqual([
      [3, 30],
      [3, -3],
    ]);
    expect(rows(poolFeatures(seq, 'max', mask))[1]).toEqual([4, -2]);
    expect(rows(poolFeatures(seq, 'meanmax', mask))[1]).toEqual([3, -3, 4, -2]);
    expect(rows(poolFeatures(seq, 'flatten', mask))[1]).toEqual([2, -2, 4, -4, 0, 0]);
    expect(rows(poolFeatures(seq, 'cls', mask))[1]).toEqual([2, -2]);
  });

  it('accepts any numeric mask (attention masks as Int32Array, 0/1 floats)', () => {
    const a = poolFeatures(seq, 'mean', new Int32Array([1, 0, 0, 1, 1, 1]));
    const b = poolFeatures(seq, 'mean', new Float32Array([1, 0, 0, 1, 1, 1]));
    expect(rows(a)).toEqual(rows(b));
    expect(rows(a)[0]).toEqual([1, 10]);
  });

  it('pools two position axes (an NHWC feature map with padded columns)', () => {
    // N=1, H=2, W=3, C=1; the last column is padding
    const map = { data: new Float32Array([1, 2, 90, 3, 4, 90]), dims: [1, 2, 3, 1] };
    const mask = [1, 1, 0, 1, 1, 0];
    expect(rows(poolFeatures(map, 'mean', mask))).toEqual([[2.5]]);
    expect(rows(poolFeatures(map, 'max', mask))).toEqual([[4]]);
    expect(rows(poolFeatures(map, 'mean'))).toEqual([[Math.fround(190 / 6)]]);
  });

  it('treats [N, D] as one position per row', () => {
    const flat = { data: new Float32Array([1, 2, 3, 4]), dims: [2, 2] };
    expect(rows(poolFeatures(flat, 'mean'))).toEqual([
      [1, 2],
      [3, 4],
    ]);
    expect(rows(poolFeatures(flat, 'meanmax'))[0]).toEqual([1, 2, 1, 2]);
  });

  it('sums in float64, so small values after a large one are not lost', () => {
    // float32 running sums drop every +1 after 1e8 (its spacing there is 8) and end at 0
    const data = new Float32Array(1002).fill(1);
    data[0] = 1e8;
    data[1001] = -1e8;
    const [v] = poolFeatures({ data, dims: [1, 1002, 1] }, 'mean');
    expect(v?.[0]).toBe(Math.fround(1000 / 1002));
  });

  it('refuses data, dims and masks that disagree, and a row without any real position', () => {
    expect(() => poolFeatures({ data: new Float32Array(5), dims: [2, 3, 1] }, 'mean')).toThrow(
      /needs 6 values, got 5/,
    );
    expect(() => poolFeatures(seq, 'mean', [1, 1, 1])).toThrow(/mask has 3 values, expected 6/);
    expect(() => poolFeatures(seq, 'max', [1, 1, 1, 0, 0, 0])).toThrow(/row 1 has no real position/);
    expect(() => poolFeatures({ data: new Float32Array(2), dims: [2] }, 'mean')).toThrow(
      /expected \[N, \.\.\.positions, D\]/,
    );
    // cls and flatten need no real position
    expect(rows(poolFeatures(seq, 'flatten', [0, 0, 0, 0, 0, 0]))[0]).toEqual([0, 0, 0, 0, 0, 0]);
  });
});

describe('pooledDim', () => {
  it('gives the vector length of each pooling', () => {
    expect(poolingNames.map((p) => pooledDim([8, 40, 120], p))).toEqual([120, 120, 240, 120, 4800]);
    expect(pooledDim([1, 7, 7, 1280], 'flatten')).toBe(62720);
    expect(pooledDim([3, 5], 'meanmax')).toBe(10);
  });
});

describe('moveAxisLast', () => {
  it('turns NCHW into NHWC, which then pools like a channels-last map', () => {
    // N=1, C=2, H=1, W=2
    const nchw = { data: new Float32Array([1, 3, 10, 30]), dims: [1, 2, 1, 2] };
    const nhwc = moveAxisLast(nchw, 1);
    expect(nhwc.dims).toEqual([1, 1, 2, 2]);
    expect(Array.from(nhwc.data)).toEqual([1, 10, 3, 30]);
    expect(rows(poolFeatures(nhwc, 'mean'))).toEqual([[2, 20]]);
    expect(moveAxisLast(nhwc, 3)).toBe(nhwc);
    expect(() => moveAxisLast(nhwc, 4)).toThrow(/outside a tensor of rank 4/);
  });
});

describe('isPoolingName', () => {
  it('knows the five names and nothing else', () => {
    expect(poolingNames.every(isPoolingName)).toBe(true);
    expect(isPoolingName('avg')).toBe(false);
    expect(isPoolingName(3)).toBe(false);
  });
});
