import { describe, expect, it } from 'vitest';

import { splitRevisionPath } from './revision-path.ts';

const refs = new Set(['main', 'feature/x', 'release/v1/rc']);
const isRef = (name: string): boolean => refs.has(name);

describe('splitRevisionPath', () => {
  it.each([
    [['main', 'a', 'b.txt'], 'main', 'a/b.txt'],
    [['refs%2Fpr%2F1', 'model.onnx'], 'refs/pr/1', 'model.onnx'],
    [['refs', 'pr', '7', 'x', 'y.bin'], 'refs/pr/7', 'x/y.bin'],
    [['refs', 'convert', 'parquet', 'd.parquet'], 'refs/convert/parquet', 'd.parquet'],
    [['feature', 'x', 'a.txt'], 'feature/x', 'a.txt'],
    [['feature%2Fx', 'a.txt'], 'feature/x', 'a.txt'],
    [['release', 'v1', 'rc', 'f'], 'release/v1/rc', 'f'],
    [['main', 'sub%2Fdir'], 'main', 'sub/dir'],
    [['main', 'with%20space.txt'], 'main', 'with space.txt'],
    [['unknown', 'a.txt'], 'unknown', 'a.txt'],
    [['main'], 'main', ''],
  ])('%j → %s + %s', (segments, revision, path) => {
    expect(splitRevisionPath(segments, isRef)).toEqual({ revision, path });
  });
});
