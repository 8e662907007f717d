import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { startHttpServer } from '@modelhub/testing';

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
      const seed = join(data, 'seed');
      await mkdir(join(seed, 'tiny'), { recursive: true });
      await writeFile(
        join(seed, 'seed.json'),
        JSON.stringify({ models: [{ repo: 'modelhub/tiny', dir: 'tiny', aliases: ['tiny'] }] }),
      );
      await writeFile(join(seed, 'tiny', 'README.md'), '---\nlibrary_name: onnx\n---\n# tiny\n');
      const serving = runServe({ data: join(data, 'state'), host: '127.0.0.1', port: 0, seed }, io, stopped);
      await ready;
      const url = /^listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(out)?.[1] ?? '';
      expect(url).not.toBe('');
      const res = await fetch(`${url}/api/aliases/none`);
      expect(res.status).toBe(404);
      expect(res.headers.get('x-error-code')).toBe('AliasNotFound');
      const seeded = await fetch(`${url}/api/aliases/tiny`);
      expect(await seeded.json()).toEqual({ alias: 'tiny', repo: 'modelhub/tiny', revision: null });
      stop('SIGTERM');
      await serving;
      await expect(fetch(`${url}/api/models`)).rejects.toThrow();
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });

  it('refuses a port that is taken with a usage error', async () => {
    const data = await mkdtemp(join(tmpdir(), 'modelhub-cli-serve-'));
    const blocker = await startHttpServer(() => undefined);
    try {
      const io: Io = { stdout: () => undefined, stderr: () => undefined };
      await expect(
        runServe({ data, host: '127.0.0.1', port: blocker.port }, io, new Promise(() => undefined)),
      ).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
    } finally {
      await blocker.close();
      await rm(data, { recursive: true, force: true });
    }
  });

  it('always logs server errors on stderr, and every request only with --log', async () => {
    const data = await mkdtemp(join(tmpdir(), 'modelhub-cli-serve-log-'));
    const seed = join(data, 'seed');
    await mkdir(join(seed, 'tiny'), { recursive: true });
    await writeFile(
      join(seed, 'seed.json'),
      JSON.stringify({ models: [{ repo: 'modelhub/tiny', dir: 'tiny' }] }),
    );
    await writeFile(join(seed, 'tiny', 'README.md'), '# tiny\n');
    const main = resolve(import.meta.dirname, '..', 'main.ts');
    const serve = async (extra: string[]): Promise<string> => {
      const state = join(data, `state-${extra.length}`);
      const child = spawn(
        process.execPath,
        [
          '--conditions=@modelhub/source',
          main,
          'serve',
          '--data',
          state,
          '--port',
          '0',
          '--seed',
          seed,
          ...extra,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let err = '';
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
      const closed = new Promise((done) => child.on('close', done));
      const url = await new Promise<string>((done) => {
        createInterface({ input: child.stdout }).on('line', (line) =>
          done(line.replace('listening on ', '')),
        );
      });
      expect((await fetch(`${url}/api/models/modelhub/tiny`)).status).toBe(200);
      // Pull the blob store away under the server: reading the file is now a server error.
      await rm(join(state, 'storage'), { recursive: true, force: true });
      expect((await fetch(`${url}/modelhub/tiny/resolve/main/README.md`)).status).toBe(500);
      child.kill('SIGTERM');
      await closed;
      return err;
    };
    try {
      const quiet = await serve([]);
      expect(quiet).toMatch(/"level":50.*ENOENT/);
      expect(quiet).not.toContain('incoming request');
      const logged = await serve(['--log']);
      expect(logged).toMatch(/"level":50.*ENOENT/);
      expect(logged).toContain('incoming request');
      expect(logged).toContain('/api/models/modelhub/tiny');
    } finally {
      await rm(data, { recursive: true, force: true });
    }
  });
});
