// Benchmark: resuming an interrupted pull of one large file from a registry on loopback (its own
// process). A pull() is stopped (AbortSignal, as SIGINT does in `hub pull`) once half the file is
// on disk; the next pull() resumes it and is timed. Baselines in the same run, interleaved: a
// fresh pull() of the whole file, and `curl -C -` resuming the same half file (no verification:
// the floor for fetching the remaining bytes). Target: a resume costs about the remaining bytes,
// i.e. well under a fresh pull and close to curl's resume, not a whole-file re-hash on top.
//   node --conditions=@modelhub/source scripts/bench/client-resume.ts            (1 GiB, 3 rounds)
//   BENCH_SIZE_MB=256 BENCH_RUNS=2 …                                              (quick)
import { spawnSync } from 'node:child_process';
import { copyFile, mkdtemp, rm, stat, truncate } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { pull } from '@modelhub/client';

import { median } from './bench-kit.ts';
import { mbps, resolveUrlAtMain, serveRegistry, writeRandomFile, writeSeed } from './client-bench-support.ts';

const sizeMb = Number(process.env['BENCH_SIZE_MB'] ?? 1024);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
const bytes = sizeMb << 20;

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-resume-'));
try {
  const seedDir = join(work, 'seed');
  await writeSeed(seedDir, [{ repo: 'bench/big', dir: 'big', files: {} }]);
  const source = join(seedDir, 'big', 'model.onnx');
  await writeRandomFile(source, bytes);
  console.log(`seeding a ${sizeMb} MiB file…`);
  const server = await serveRegistry(join(work, 'data'), seedDir);
  try {
    const url = await resolveUrlAtMain(server.url, 'bench/big', 'model.onnx');
    const options = (cacheDir: string): Parameters<typeof pull>[1] => ({
      endpoint: server.url,
      cacheDir,
      env: {},
      include: ['model.onnx'],
    });
    let n = 0;

    /** Client CPU seconds (user + system, every thread of this process) of the last timed pull. */
    const cpu = new Map<string, number[]>();
    const addCpu = (name: string, since: NodeJS.CpuUsage): void => {
      const c = process.cpuUsage(since);
      cpu.set(name, [...(cpu.get(name) ?? []), (c.user + c.system) / 1e6]);
    };
    const fresh = async (): Promise<number> => {
      const cacheDir = join(work, `cache-${n++}`);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await pull('bench/big', options(cacheDir));
      const ms = performance.now() - t0;
      addCpu('hub pull, fresh', c0);
      await rm(cacheDir, { recursive: true, force: true });
      return ms;
    };

    let kept: number[] = [];
    let fetched: number[] = [];
    const resume = async (): Promise<number> => {
      const cacheDir = join(work, `cache-${n++}`);
      const controller = new AbortController();
      await pull('bench/big', {
        ...options(cacheDir),
        signal: controller.signal,
        onProgress: (event) => {
          if (event.type === 'progress' && event.bytes >= bytes / 2) {
            controller.abort(new Error('interrupted by the benchmark'));
          }
        },
      }).then(
        () => {
          throw new Error('the first pull was not interrupted');
        },
        () => undefined,
      );
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const result = await pull('bench/big', options(cacheDir));
      const ms = performance.now() - t0;
      addCpu('hub pull, resume at half', c0);
      kept.push(result.resumedBytes);
      fetched.push(result.downloadedBytes);
      await rm(cacheDir, { recursive: true, force: true });
      return ms;
    };

    const curlResume = async (): Promise<number> => {
      const out = join(work, 'curl.bin');
      await copyFile(source, out);
      await truncate(out, Math.floor(bytes / 2));
      const t0 = performance.now();
      const child = spawnSync('curl', ['-sS', '--fail', '-C', '-', '-o', out, url]);
      const ms = performance.now() - t0;
      if (child.status !== 0 || (await stat(out)).size !== bytes) {
        throw new Error(`curl failed: ${child.stderr.toString()}`);
      }
      await rm(out);
      return ms;
    };

    const contenders: [string, () => Promise<number>][] = [
      ['curl -C - (half file)', curlResume],
      ['hub pull, fresh', fresh],
      ['hub pull, resume at half', resume],
    ];
    const samples = new Map<string, number[]>(contenders.map(([name]) => [name, []]));
    const load: number[] = [];
    kept = [];
    fetched = [];
    for (let i = 0; i < runs; i += 1) {
      for (const [name, run] of contenders) {
        load.push(loadavg()[0] ?? 0);
        samples.get(name)?.push(await run());
      }
    }
    console.log(
      `${runs} interleaved rounds, ${sizeMb} MiB; 1-min load average during the runs: median ${median(load).toFixed(1)}, max ${Math.max(...load).toFixed(1)} (figures are noisy above ~1.5)`,
    );
    const curlMs = median(samples.get('curl -C - (half file)') ?? []);
    const freshMs = median(samples.get('hub pull, fresh') ?? []);
    for (const [name] of contenders) {
      const xs = samples.get(name) ?? [];
      const ms = median(xs);
      const cpus = cpu.get(name);
      console.log(
        `${name.padEnd(26)} median ${ms.toFixed(0).padStart(6)} ms  ${(ms / freshMs).toFixed(2)}x fresh pull  ${(ms / curlMs).toFixed(2)}x curl resume` +
          `${cpus === undefined ? '' : `  client CPU ${median(cpus).toFixed(2)} s`}  runs: ${xs.map((x) => x.toFixed(0)).join(', ')}`,
      );
    }
    console.log(
      `resumed pulls reported: kept ${kept.map((b) => (b / 1e6).toFixed(0)).join(', ')} MB, downloaded ${fetched.map((b) => (b / 1e6).toFixed(0)).join(', ')} MB (file ${(bytes / 1e6).toFixed(0)} MB; ${mbps(bytes, freshMs)} fresh)`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
