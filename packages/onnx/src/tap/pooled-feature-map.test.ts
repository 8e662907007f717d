import { describe, expect, it } from 'vitest';

import { buildOnnxModel } from '../model/build-model.ts';
import { DataType } from '../model/fields.ts';
import { readOnnxModel } from '../model/onnx-model.ts';
import { pooledFeatureMap } from './pooled-feature-map.ts';

/** x → conv-ish Relu "early" → squeeze-and-excitation (a global average of "early") → "map" → pool → "tap". */
function model(pool: string | undefined) {
  const nodes = [
    { opType: 'Relu', name: 'a', inputs: ['x'], outputs: ['early'] },
    { opType: 'GlobalAveragePool', name: 'se_pool', inputs: ['early'], outputs: ['se'] },
    { opType: 'Mul', name: 'se_scale', inputs: ['early', 'se'], outputs: ['map'] },
    ...(pool === undefined
      ? [{ opType: 'Relu', name: 'b', inputs: ['map'], outputs: ['tap'] }]
      : [
          {
            opType: pool,
            name: 'neck',
            inputs: ['map'],
            outputs: ['tap'],
            attributes: { kernel_shape: [3, 1] },
          },
        ]),
  ];
  return readOnnxModel(
    buildOnnxModel({
      opsets: { '': 13 },
      nodes,
      initializers: [],
      inputs: [{ name: 'x', elemType: DataType.float, dims: ['N', 2, 3, 'W'] }],
      outputs: [{ name: 'tap', elemType: DataType.float }],
    }),
  );
}

describe('pooledFeatureMap', () => {
  it('finds the map the nearest pooling takes away on the way to the tap', () => {
    expect(pooledFeatureMap(model('AveragePool'), 'tap')).toBe('map');
    expect(pooledFeatureMap(model('GlobalAveragePool'), 'tap')).toBe('map');
  });

  it('falls back on an earlier pooling, and finds none when the tap depends on none', () => {
    // only the squeeze-and-excitation average is left: its input is the nearest pooled map
    expect(pooledFeatureMap(model(undefined), 'tap')).toBe('early');
    expect(pooledFeatureMap(model(undefined), 'early')).toBeUndefined();
  });
});
