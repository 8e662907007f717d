import { describe, expect, it } from 'vitest';

import { gridBin, poolGrid } from './pool-grid.ts';

/** A channels-last map [1, H, W, 1] whose value at (y, x) is 10·y + x. */
function ramp(height: number, width: number): { data: Float32Array; dims: number[] } {
  const data = new Float32Array(height * width);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      data[y * width + x] = 10 * y + x;
    }
  }
  return { data, dims: [1, height, width, 1] };
}

describe('gridBin', () => {
  it('splits positions into equal bins, each holding at least one position', () => {
    expect([0, 1, 2, 3].map((b) => gridBin(b, 4, 12))).toEqual([
      [0, 3],
      [3, 6],
      [6, 9],
      [9, 12],
    ]);
    // fewer positions than bins: bins overlap rather than go empty
    expect([0, 1, 2, 3].map((b) => gridBin(b, 4, 2))).toEqual([
      [0, 1],
      [0, 1],
      [1, 2],
      [1, 2],
    ]);
    expect([0, 1, 2].map((b) => gridBin(b, 3, 7))).toEqual([
      [0, 3],
      [2, 5],
      [4, 7],
    ]);
  });
});

describe('poolGrid', () => {
  it('averages each bin, bin by bin with channels innermost', () => {
    const [v] = poolGrid(ramp(2, 4), { rows: 1, cols: 2 });
    // left half: mean of 0,1,10,11; right half: mean of 2,3,12,13
    expect(Array.from(v ?? [])).toEqual([5.5, 7.5]);
    const [two] = poolGrid(
      { data: Float32Array.of(1, -1, 2, -2, 3, -3, 4, -4), dims: [1, 1, 4, 2] },
      { rows: 1, cols: 2 },
    );
    expect(Array.from(two ?? [])).toEqual([1.5, -1.5, 3.5, -3.5]);
  });

  it('lays the grid over the real part only: padding never reaches a bin', () => {
    const map = ramp(3, 8);
    // Columns 4–7 are padding: fill them with a huge value that would show in any average.
    for (let y = 0; y < 3; y++) {
      map.data.fill(1e6, y * 8 + 4, y * 8 + 8);
    }
    const [v] = poolGrid(map, { rows: 3, cols: 2 }, [{ rows: 3, cols: 4 }]);
    expect(Array.from(v ?? [])).toEqual([0.5, 2.5, 10.5, 12.5, 20.5, 22.5]);
  });

  it('pools each row over its own extent', () => {
    const one = ramp(1, 6);
    const map = { data: new Float32Array([...one.data, ...one.data]), dims: [2, 1, 6, 1] };
    const rows = poolGrid(map, { rows: 1, cols: 1 }, [
      { rows: 1, cols: 6 },
      { rows: 1, cols: 2 },
    ]);
    expect(rows.map((r) => r[0])).toEqual([2.5, 0.5]);
  });

  it('refuses a tensor that is not a rank-4 map, an empty grid and an extent outside the map', () => {
    expect(() => poolGrid({ data: new Float32Array(4), dims: [1, 4, 1] }, { rows: 1, cols: 1 })).toThrow(
      /channels-last map/,
    );
    expect(() => poolGrid(ramp(2, 2), { rows: 0, cols: 1 })).toThrow(/at least one row/);
    expect(() => poolGrid(ramp(2, 2), { rows: 1, cols: 1 }, [{ rows: 1, cols: 3 }])).toThrow(
      /outside its 2×2 map/,
    );
  });
});
