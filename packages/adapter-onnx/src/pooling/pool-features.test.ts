import { describe, expect, it } from 'vitest';

import { planPooling, poolBatch } from './pool-features.ts';

describe('planPooling / poolBatch', () => {
  it('passes rank-2 taps through', () => {
    const plan = planPooling([2, 3], 3, undefined, 't');
    expect(plan).toMatchObject({ pooling: 'none', dim: 3 });
    const rows = poolBatch(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], plan);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('mean-pools [N,T,D] over time, or takes token 0 with cls', () => {
    const data = new Float32Array([1, 10, 3, 30, 5, 50]); // N=1, T=3, D=2
    expect(
      Array.from(poolBatch(data, [1, 3, 2], planPooling([1, 3, 2], 2, undefined, 't'))[0] ?? []),
    ).toEqual([3, 30]);
    expect(Array.from(poolBatch(data, [1, 3, 2], planPooling([1, 3, 2], 2, 'cls', 't'))[0] ?? [])).toEqual([
      1, 10,
    ]);
  });

  it('average-pools NCHW over space, and NHWC when the channel count says so', () => {
    // N=1, C=2, H=1, W=2
    const nchw = new Float32Array([1, 3, 10, 30]);
    const p1 = planPooling([1, 2, 1, 2], 2, undefined, 't');
    expect(p1).toMatchObject({ pooling: 'avg', channelsLast: false, dim: 2 });
    expect(Array.from(poolBatch(nchw, [1, 2, 1, 2], p1)[0] ?? [])).toEqual([2, 20]);
    // N=1, H=2, W=2, C=3
    const nhwc = new Float32Array([1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9]);
    const p2 = planPooling([1, 2, 2, 3], 3, undefined, 't');
    expect(p2).toMatchObject({ channelsLast: true, dim: 3 });
    expect(Array.from(poolBatch(nhwc, [1, 2, 2, 3], p2)[0] ?? [])).toEqual([4, 5, 6]);
  });

  it('flattens on request and refuses rank 5', () => {
    expect(planPooling([1, 2, 3, 4], 0, 'flatten', 't')).toMatchObject({ pooling: 'flatten', dim: 24 });
    expect(() => planPooling([1, 1, 1, 1, 1], 0, undefined, 'deep')).toThrow(/"deep" has rank 5/);
  });
});
