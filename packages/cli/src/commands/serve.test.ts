import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import type { Io } from '../output/error-boundary.ts';
import { runServe } from './serve.ts';

describe('hub serve', () => {
  it('prints where it listens, serves the Hub API, and stops cleanly when asked', async () => {
    const data = await mkdtemp(join(tmpdir(), 'modelhub-cli-serve-'));
    let out = '';
    let listening: (url: string) => void = () => undefined;
    const ready = new Promise<string>((resolve) => {
      listening = resolve;
    });
    const io: Io = {
      stdout: (s) => {
        out += s;
        listening(s);
      },
      stderr: () => undefined,
    };
    let stop: (signal: string) => void = () => undefined;
    const stopped = new Promise<string>((resolve) => {
      stop = resolve;
    });
    try {
      const serving = runServe({ data, host: '127.0.0.1', port: 0 }, io, stopped);
      await ready;
      const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out)?.[1] ?? '';
      expect(url).not.toBe('');
      const res = await fetch(`${url}/api/aliases/none`);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-error-code')).toBe('AliasNotFound');
      stop('SIGTERM');
      await serving;
      await expect(fetch(`${url}/api/models`)).rejects.toThrow();
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
