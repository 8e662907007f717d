import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { compileCacheDir, shareCompileCacheWithWorkers } from './compile-cache.ts';

// Enabling the cache is process-wide, so it is tested on the real launcher
// (test/process-startup.slow.test.ts); this checks where it goes.
describe('compileCacheDir', () => {
  it('is per user: under XDG_CACHE_HOME, else ~/.cache', () => {
    expect(compileCacheDir({ XDG_CACHE_HOME: '/x/cache' }, '/home/u')).toBe(
      join('/x/cache', 'modelhub', 'node-compile-cache'),
    );
    expect(compileCacheDir({ XDG_CACHE_HOME: '  ' }, '/home/u')).toBe(
      join('/home/u', '.cache', 'modelhub', 'node-compile-cache'),
    );
    expect(compileCacheDir({}, '/home/u')).toBe(join('/home/u', '.cache', 'modelhub', 'node-compile-cache'));
  });

  it('is undefined without a home folder (the cache stays off)', () => {
    expect(compileCacheDir({}, '')).toBeUndefined();
  });
});

describe('shareCompileCacheWithWorkers', () => {
  it('sets NODE_COMPILE_CACHE for worker threads only when the launcher enabled a folder of its own', () => {
    const env: Record<string, string | undefined> = {};
    shareCompileCacheWithWorkers({ enabled: false, reason: 'off' }, env);
    expect(env).toEqual({});
    shareCompileCacheWithWorkers({ enabled: true, directory: '/c/v24-x64' }, env);
    expect(env).toEqual({});
    shareCompileCacheWithWorkers({ enabled: true, directory: '/c/v24-x64', workerVariable: '/c' }, env);
    expect(env).toEqual({ NODE_COMPILE_CACHE: '/c' });
  });
});
