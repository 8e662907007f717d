// Benchmark: one large file from a registry on loopback (its own process), `hub`'s pull()
// (verification on) vs `curl -o` of the same resolve URL. Target: pull() reaches ≥ 0.9× curl's
// throughput. Runs are interleaved (curl; pull(); pull() with the sha256 on the main thread; the
// undici body path pull() used before the raw-socket path) so load from other processes hits every
// contender alike; medians are compared.
// Client CPU seconds (user + system, curl's from its shell's `times`) are printed too: on a busy
// machine they are steadier than wall time.
//   node --conditions=@modelhub/source scripts/bench/client-download.ts           (1 GiB, 5 rounds)
//   BENCH_SIZE_MB=256 BENCH_RUNS=3 …                                               (quick)
//   BENCH_RANGES=1 …   also pull() with 4 parallel ranges per file
//   BENCH_SLAB_KB=…, BENCH_WRITE_BEHIND=0|1, BENCH_HASH_THREAD=0|1 …   raw-socket settings to compare
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { pull, type PullOptions } from '@modelhub/client';

import { median } from './bench-kit.ts';
import { mbps, resolveUrlAtMain, serveRegistry, writeRandomFile, writeSeed } from './client-bench-support.ts';

const sizeMb = Number(process.env['BENCH_SIZE_MB'] ?? 1024);
const runs = Number(process.env['BENCH_RUNS'] ?? 5);
const env = process.env;
const socketTuning = {
  ...(env['BENCH_SLAB_KB'] === undefined ? {} : { socketSlabBytes: Number(env['BENCH_SLAB_KB']) << 10 }),
  ...(env['BENCH_WRITE_BEHIND'] === undefined ? {} : { writeBehind: env['BENCH_WRITE_BEHIND'] === '1' }),
  ...(env['BENCH_HASH_THREAD'] === undefined ? {} : { hashOnThread: env['BENCH_HASH_THREAD'] === '1' }),
};

interface Sample {
  readonly ms: number;
  readonly cpu: number;
}

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-dl-'));
try {
  const seedDir = join(work, 'seed');
  await writeSeed(seedDir, [{ repo: 'bench/big', dir: 'big', files: {} }]);
  const bytes = sizeMb << 20;
  await writeRandomFile(join(seedDir, 'big', 'model.onnx'), bytes);
  console.log(`seeding a ${sizeMb} MiB file…`);
  const server = await serveRegistry(join(work, 'data'), seedDir);
  try {
    const url = await resolveUrlAtMain(server.url, 'bench/big', 'model.onnx');

    const curl = async (): Promise<Sample> => {
      const out = join(work, 'curl.bin');
      const t0 = performance.now();
      const child = spawnSync('bash', ['-c', 'curl -sS --fail -o "$1" "$2" && times', 'bench', out, url]);
      const ms = performance.now() - t0;
      if (child.status !== 0 || (await stat(out)).size !== bytes) {
        throw new Error(`curl failed: ${child.stderr.toString()}`);
      }
      await rm(out);
      // `times` prints the shell's then its children's user and system time: "0m0.042s 0m0.851s".
      const line = child.stdout.toString().trim().split('\n').at(-1) ?? '';
      const cpu = [...line.matchAll(/(\d+)m([\d.]+)s/g)].reduce(
        (sum, m) => sum + Number(m[1]) * 60 + Number(m[2]),
        0,
      );
      return { ms, cpu };
    };
    let n = 0;
    const hub = async (tuning: PullOptions['tuning']): Promise<Sample> => {
      const cacheDir = join(work, `cache-${n++}`);
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      await pull('bench/big', { endpoint: server.url, cacheDir, env: {}, include: ['model.onnx'], tuning });
      const ms = performance.now() - t0;
      const c = process.cpuUsage(c0);
      await rm(cacheDir, { recursive: true, force: true });
      return { ms, cpu: (c.user + c.system) / 1e6 };
    };
    const contenders: [string, () => Promise<Sample>][] = [
      ['curl -o', curl],
      ['hub pull (sha256)', () => hub(socketTuning)],
      ['hub pull, hash on main thread', () => hub({ ...socketTuning, hashOnThread: false })],
      ['hub pull, undici body path', () => hub({ socketMinBytes: Number.POSITIVE_INFINITY })],
    ];
    if (env['BENCH_RANGES'] === '1') {
      contenders.push(['hub pull, 4 ranges', () => hub({ ...socketTuning, connectionsPerFile: 4 })]);
    }
    const samples = new Map<string, Sample[]>(contenders.map(([name]) => [name, []]));
    const load: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      for (const [name, run] of contenders) {
        load.push(loadavg()[0] ?? 0);
        samples.get(name)?.push(await run());
      }
    }
    const curlMs = median((samples.get('curl -o') ?? []).map((s) => s.ms));
    const curlCpu = median((samples.get('curl -o') ?? []).map((s) => s.cpu));
    console.log(
      `${runs} interleaved rounds, ${sizeMb} MiB; 1-min load average during the runs: median ${median(load).toFixed(1)}, max ${Math.max(...load).toFixed(1)} (figures are noisy above ~1.5)`,
    );
    for (const [name] of contenders) {
      const xs = samples.get(name) ?? [];
      const ms = median(xs.map((s) => s.ms));
      const cpu = median(xs.map((s) => s.cpu));
      console.log(
        `${name.padEnd(30)} median ${ms.toFixed(0).padStart(6)} ms ${mbps(bytes, ms).padStart(10)}  ` +
          `throughput ${(curlMs / ms).toFixed(2)}x curl  client CPU ${cpu.toFixed(2)} s (${(cpu / curlCpu).toFixed(1)}x curl)  ` +
          `runs: ${xs.map((s) => s.ms.toFixed(0)).join(', ')}`,
      );
    }
    const hubMs = median((samples.get('hub pull (sha256)') ?? []).map((s) => s.ms));
    console.log(`ratio hub/curl throughput (medians): ${(curlMs / hubMs).toFixed(2)}x (target >= 0.9x)`);
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
