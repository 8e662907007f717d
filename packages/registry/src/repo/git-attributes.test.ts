import { describe, expect, it } from 'vitest';

import { tracksWithLfs, withLfsRules } from './git-attributes.ts';
import { defaultGitAttributes } from './lfs-policy.ts';

describe('.gitattributes LFS rules', () => {
  it('matches basenames, anchored paths, ** and [[:space:]] like git', () => {
    expect(tracksWithLfs(defaultGitAttributes, 'deep/dir/model.onnx')).toBe(true);
    expect(tracksWithLfs(defaultGitAttributes, 'config.json')).toBe(false);
    expect(tracksWithLfs('weights/** filter=lfs diff=lfs merge=lfs -text\n', 'weights/a/b.dat')).toBe(true);
    expect(tracksWithLfs('weights/** filter=lfs\n', 'other/weights/b.dat')).toBe(false);
    expect(tracksWithLfs('my[[:space:]]file.dat filter=lfs\n', 'my file.dat')).toBe(true);
    expect(tracksWithLfs('*.dat filter=lfs\nkeep.dat -filter\n', 'keep.dat')).toBe(false);
  });

  it('adds a line only for LFS paths not covered yet', () => {
    expect(withLfsRules(defaultGitAttributes, ['a.onnx'])).toBe(defaultGitAttributes);
    expect(withLfsRules('*.bin filter=lfs diff=lfs merge=lfs -text', ['x.bin', 'blob data.dat'])).toBe(
      '*.bin filter=lfs diff=lfs merge=lfs -text\nblob[[:space:]]data.dat filter=lfs diff=lfs merge=lfs -text\n',
    );
  });
});
