import type { ChildProcess } from 'node:child_process';
import { watch } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

import { describe, expect, it } from 'vitest';

import { sha256 } from '@modelhub/core';

import { formatBytes } from '../src/index.ts';
import { bytesServed } from './helpers/fault-proxy.ts';
import { isModelDownload, usePpocrHarness } from './helpers/ppocr-harness.ts';
import { runChild, type ChildRun } from './helpers/run-child.ts';

const root = resolve(import.meta.dirname, '..', '..', '..');
const hubMain = join(root, 'packages', 'cli', 'src', 'main.ts');

const h = usePpocrHarness('modelhub-client-procs-');

/** Runs `hub ARGS` as a real child process; `onSpawn` gets the child (to signal it). */
function hub(args: readonly string[], onSpawn?: (child: ChildProcess) => void): Promise<ChildRun> {
  return runChild(process.execPath, ['--conditions=@modelhub/source', hubMain, ...args], {
    cwd: root,
    env: { PATH: process.env['PATH'] ?? '', HOME: h.scratch },
    ...(onSpawn === undefined ? {} : { onSpawn }),
  });
}

describe('hub pull across processes', () => {
  it('8 concurrent pulls of the same model download each blob once and all succeed', async () => {
    const proxy = await h.proxy(() => ({ kind: 'pass' }));
    const cacheDir = await mkdtemp(join(h.scratch, 'shared-'));
    const runs = await Promise.all(
      Array.from({ length: 8 }, () =>
        hub(['--endpoint', proxy.url, '--cache-dir', cacheDir, '--json', 'pull', 'modelhub/ppocr-rec']),
      ),
    );
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
    }
    const results = runs.map((r) => JSON.parse(r.stdout) as { commit: string; dir: string });
    expect(new Set(results.map((r) => r.commit)).size).toBe(1);
    expect(bytesServed(proxy, 'model.onnx')).toBe(h.original.length);
    expect(sha256(await readFile(join(results[0]?.dir ?? '', 'model.onnx')))).toBe(sha256(h.original));
  });

  it('SIGINT mid-pull keeps the partial file, and the next pull resumes it', async () => {
    let stalled = false;
    const proxy = await h.proxy(({ url }) => {
      if (!stalled && isModelDownload(url)) {
        stalled = true;
        return { kind: 'stall', afterBytes: 6 << 20 };
      }
      return { kind: 'pass' };
    });
    const cacheDir = await mkdtemp(join(h.scratch, 'interrupted-'));
    const args = ['--endpoint', proxy.url, '--cache-dir', cacheDir, 'pull', 'modelhub/ppocr-rec'];
    const first = await hub(args, (child) => {
      proxy.onBytes('model.onnx', 6 << 20, () => child.kill('SIGINT'));
    });
    // 130 (128 + SIGINT), as for a command the signal killed, but after the partial state was saved.
    expect(first.code).toBe(130);
    expect(first.stderr).toMatch(/INTERRUPTED/);
    const blobs = join(
      cacheDir,
      new URL(proxy.url).host.replace(':', '_'),
      'models--modelhub--ppocr-rec',
      'blobs',
    );
    const names = await readdir(blobs);
    expect(names.some((n) => n.endsWith('.partial'))).toBe(true);
    const state = JSON.parse(
      await readFile(join(blobs, names.find((n) => n.endsWith('.partial.json')) ?? ''), 'utf8'),
    ) as {
      done: [number, number][];
    };
    const kept = state.done.reduce((sum, [s, e]) => sum + (e - s), 0);
    expect(kept).toBeGreaterThan(0);

    const before = bytesServed(proxy, 'model.onnx');
    const second = await hub(args);
    expect(second.code).toBe(0);
    expect(bytesServed(proxy, 'model.onnx') - before).toBe(h.original.length - kept);
    // The summary counts what was transferred and, apart, what was kept.
    expect(second.stderr).toContain(
      `resuming model.onnx: ${formatBytes(kept)} of ${formatBytes(h.original.length)} kept`,
    );
    expect(second.stdout).toContain(`, resumed ${formatBytes(kept)}) -> `);
    expect(await readdir(blobs)).toContain(sha256(h.original));
    expect((await readdir(blobs)).filter((n) => n.includes('.partial'))).toEqual([]);
  });

  it('a pull killed with SIGKILL leaves its lock behind; the next pull takes it over and resumes', async () => {
    let stalled = false;
    const proxy = await h.proxy(({ url }) => {
      if (!stalled && isModelDownload(url)) {
        stalled = true;
        return { kind: 'stall', afterBytes: 5 << 20 };
      }
      return { kind: 'pass' };
    });
    const cacheDir = await mkdtemp(join(h.scratch, 'killed-'));
    const host = join(cacheDir, new URL(proxy.url).host.replace(':', '_'));
    const blobs = join(host, 'models--modelhub--ppocr-rec', 'blobs');
    const args = ['--endpoint', proxy.url, '--cache-dir', cacheDir, 'pull', 'modelhub/ppocr-rec'];
    const first = await hub(args, (child) => {
      proxy.onBytes('model.onnx', 5 << 20, () => {
        // The state file is saved every second while bytes flow; kill once it exists.
        const watcher = watch(blobs, () => {
          void readdir(blobs).then((names) => {
            if (names.some((n) => n.endsWith('.partial.json'))) {
              watcher.close();
              child.kill('SIGKILL');
            }
          });
        });
      });
    });
    expect(first.code).toBe(null);
    const lockDir = join(host, '.locks', 'models--modelhub--ppocr-rec');
    const locks = await readdir(lockDir);
    expect(locks).toEqual([`${sha256(h.original)}.modelhub.lock`]);
    const before = bytesServed(proxy, 'model.onnx');
    const second = await hub(args);
    // Nothing on stderr but the one line that says what is resumed.
    expect(second.stderr).toMatch(
      /^resuming model\.onnx: [\d.]+ [kMG]?B of [\d.]+ MB kept from the interrupted pull[^\n]*\n$/,
    );
    expect(second.code).toBe(0);
    expect(bytesServed(proxy, 'model.onnx') - before).toBeLessThan(h.original.length);
    expect(await readdir(lockDir)).toEqual([]);
    expect(await readdir(blobs)).toContain(sha256(h.original));
  });
});
