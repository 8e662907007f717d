import { describe, expect, it } from 'vitest';

import { maskRule, planGridView, planPooling, poolBatch, poolGridBatch } from './pool-plan.ts';
import type { PlanContext } from './pool-plan.ts';

const context = (over: Partial<PlanContext> = {}): PlanContext => ({
  expectedDim: 0,
  requested: undefined,
  tensor: 't',
  traced: undefined,
  inputLayout: 'NCHW',
  mask: false,
  ...over,
});

describe('planPooling / poolBatch', () => {
  it('passes rank-2 taps through', () => {
    const plan = planPooling([2, 3], context({ expectedDim: 3 }));
    expect(plan).toMatchObject({ pooling: 'none', dim: 3, masked: false });
    const rows = poolBatch(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3], plan);
    expect(rows.map((r) => Array.from(r))).toEqual([
      [1, 2, 3],
      [4, 5, 6],
    ]);
  });

  it('mean-pools [N,T,D] over the steps that cover the image, when the width traces to T and the input pads', () => {
    const plan = planPooling([1, 3, 2], context({ traced: [undefined, 'width', undefined], mask: true }));
    expect(plan).toMatchObject({ pooling: 'mean', channelAxis: 2, masked: true, dim: 2 });
    expect(maskRule(plan)).toEqual({ rule: 'receptive-field-centre', axes: [{ axis: 1, input: 'width' }] });
    const data = new Float32Array([1, 10, 3, 30, 5, 50]); // N=1, T=3, D=2 over a 24-px strip: stride 8
    // 10 real pixels: step 0 (centre 4) is real, step 1 (centre 12) is not
    expect(
      Array.from(
        poolBatch(data, [1, 3, 2], plan, { height: 8, width: 24 }, [{ height: 8, width: 10 }])[0] ?? [],
      ),
    ).toEqual([1, 10]);
    expect(
      Array.from(
        poolBatch(data, [1, 3, 2], plan, { height: 8, width: 24 }, [{ height: 8, width: 24 }])[0] ?? [],
      ),
    ).toEqual([3, 30]);
    // the same plan without the mask averages all three steps
    const plain = planPooling([1, 3, 2], context({ traced: [undefined, 'width', undefined], mask: false }));
    expect(maskRule(plain)).toBeUndefined();
    expect(
      Array.from(
        poolBatch(data, [1, 3, 2], plain, { height: 8, width: 24 }, [{ height: 8, width: 10 }])[0] ?? [],
      ),
    ).toEqual([3, 30]);
  });

  it('takes token 0 with cls (never masked) and doubles the length with meanmax', () => {
    const data = new Float32Array([1, 10, 3, 30, 5, 50]);
    const cls = planPooling(
      [1, 3, 2],
      context({ requested: 'cls', traced: [undefined, 'width', undefined], mask: true }),
    );
    expect(cls.masked).toBe(false);
    expect(Array.from(poolBatch(data, [1, 3, 2], cls)[0] ?? [])).toEqual([1, 10]);
    const mm = planPooling([1, 3, 2], context({ requested: 'meanmax' }));
    expect(mm.dim).toBe(4);
    expect(Array.from(poolBatch(data, [1, 3, 2], mm)[0] ?? [])).toEqual([3, 30, 5, 50]);
  });

  it('pools NCHW over space, and NHWC when the classifier weight says so; `avg` reads as mean', () => {
    const nchw = new Float32Array([1, 3, 10, 30]); // N=1, C=2, H=1, W=2
    const p1 = planPooling([1, 2, 1, 2], context({ requested: 'avg' }));
    expect(p1).toMatchObject({ pooling: 'mean', channelAxis: 1, dim: 2 });
    expect(Array.from(poolBatch(nchw, [1, 2, 1, 2], p1)[0] ?? [])).toEqual([2, 20]);
    const nhwc = new Float32Array([1, 2, 3, 3, 4, 5, 5, 6, 7, 7, 8, 9]); // N=1, H=2, W=2, C=3
    const p2 = planPooling([1, 2, 2, 3], context({ expectedDim: 3 }));
    expect(p2).toMatchObject({ channelAxis: 3, dim: 3 });
    expect(Array.from(poolBatch(nhwc, [1, 2, 2, 3], p2)[0] ?? [])).toEqual([4, 5, 6]);
  });

  it('masks the columns of a fixed-size NCHW map past the image, and flattens channels-last', () => {
    // N=1, C=1, H=1, W=4 over a 1×8 input: stride 2; a 3-px image keeps column 0 only (centre 1; column 1's is 3)
    const plan = planPooling([1, 1, 1, 4], context({ mask: true, requested: 'flatten' }));
    expect(maskRule(plan)?.axes).toEqual([
      { axis: 2, input: 'height' },
      { axis: 3, input: 'width' },
    ]);
    const rows = poolBatch(new Float32Array([5, 6, 7, 8]), [1, 1, 1, 4], plan, { height: 1, width: 8 }, [
      { height: 1, width: 3 },
    ]);
    expect(Array.from(rows[0] ?? [])).toEqual([5, 0, 0, 0]);
  });

  it('refuses rank 5', () => {
    expect(() => planPooling([1, 1, 1, 1, 1], context({ tensor: 'deep' }))).toThrow(/"deep" has rank 5/);
  });
});

describe('planGridView / poolGridBatch', () => {
  it('plans a grid over a channels-first map, masked along the traced width, and records the view', () => {
    const { mask: _mask, ...rest } = context({
      traced: [undefined, undefined, undefined, 'width'],
      mask: true,
    });
    const g = planGridView([1, 2, 2, 4], { ...rest, mask: true }, { rows: 1, cols: 2 }, 0.5);
    expect(g.view).toEqual({
      tensor: 't',
      pooling: 'grid',
      grid: { rows: 1, cols: 2 },
      weight: 0.5,
      dim: 4,
      mask: { rule: 'receptive-field-centre', axes: [{ axis: 3, input: 'width' }] },
    });
    // C=2, H=2, W=4 over a 16-px-wide input (stride 4); channel 1 is channel 0 negated
    const c0 = [1, 2, 3, 4, 5, 6, 7, 8];
    const data = Float32Array.from([...c0, ...c0.map((v) => -v)]);
    // 8 real pixels: columns 0 and 1 (centres 2 and 6) are real, the bins split those two
    const [half] = poolGridBatch(data, [1, 2, 2, 4], g, { height: 2, width: 16 }, [{ height: 2, width: 8 }]);
    expect(Array.from(half ?? [])).toEqual([3, -3, 4, -4]);
    const [full] = poolGridBatch(data, [1, 2, 2, 4], g, { height: 2, width: 16 }, [{ height: 2, width: 16 }]);
    expect(Array.from(full ?? [])).toEqual([3.5, -3.5, 5.5, -5.5]);
  });

  it('refuses a tensor that is not a map', () => {
    const { mask: _mask, ...rest } = context();
    expect(() => planGridView([1, 3, 2], { ...rest, mask: false }, { rows: 1, cols: 1 }, 1)).toThrow(
      /rank 4/,
    );
  });
});
