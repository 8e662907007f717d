// Benchmark: a 300-file model snapshot from a registry on loopback, `hub`'s pull() vs the official
// `@huggingface/hub` snapshotDownload (target: ≥ 5× faster), then a warm pull of the cached model
// (requests counted: ≤ 1, and 0 with a frozen lockfile).
//   node --conditions=@modelhub/source scripts/bench/client-snapshot.ts   (BENCH_FILES=300, BENCH_RUNS=5)
// Each pull starts from an empty cache folder of its own; the folders are deleted at the end, not
// between runs: on ext4 without a journal, creating an inode within ~35 s of many deletions scans
// past every recently deleted one, so deleting 600 files before each pull would mostly measure the
// benchmark's own clean-up (both clients create the same two inodes per file). The two clients
// take turns going first, and the CPU time this process spent in each is printed too: on a busy
// machine (see the load averages printed) the wall-clock ratio tends towards the CPU-time ratio.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

import { snapshotDownload } from '@huggingface/hub';

import { pull } from '@modelhub/client';

import { serveRegistry, startLatencyProxy, writeSeed } from './client-bench-support.ts';

const fileCount = Number(process.env['BENCH_FILES'] ?? 300);
const runs = Number(process.env['BENCH_RUNS'] ?? 5);
// A second scenario puts a link with this round-trip time between client and registry (0 = skip).
const rttMs = Number(process.env['BENCH_RTT_MS'] ?? 10);
const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-snap-'));
try {
  // A mix like a real repo: mostly small configs/vocabularies, some larger weight shards (LFS).
  const files: Record<string, Buffer> = {};
  let total = 0;
  for (let i = 0; i < fileCount; i += 1) {
    const size = i % 20 === 0 ? 2 << 20 : 1024 + ((i * 7919) % 60_000);
    files[`part-${String(Math.floor(i / 50))}/file-${String(i).padStart(3, '0')}.dat`] = randomBytes(size);
    total += size;
  }
  const seedDir = join(work, 'seed');
  await writeSeed(seedDir, [{ repo: 'bench/many', dir: 'many', files }]);
  const server = await serveRegistry(join(work, 'data'), seedDir);
  try {
    const compare = async (endpoint: string, label: string, times: number): Promise<void> => {
      const official: number[] = [];
      const ours: number[] = [];
      const officialCpu: number[] = [];
      const oursCpu: number[] = [];
      const timed = async (work: () => Promise<void>, wall: number[], cpu: number[]): Promise<void> => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        await work();
        wall.push(performance.now() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
      };
      for (let i = 0; i < times; i += 1) {
        const hfCache = join(work, `hf-${label}-${i}`);
        const cacheDir = join(work, `ours-${label}-${i}`);
        const runOfficial = (): Promise<void> =>
          timed(
            async () => {
              const debug = console.debug;
              console.debug = () => undefined;
              try {
                await snapshotDownload({
                  repo: { type: 'model', name: 'bench/many' },
                  hubUrl: endpoint,
                  cacheDir: hfCache,
                });
              } finally {
                console.debug = debug;
              }
            },
            official,
            officialCpu,
          );
        const runOurs = (): Promise<void> =>
          timed(
            async () => {
              const result = await pull('bench/many', { endpoint, cacheDir, env: {} });
              if (result.files.length < fileCount) {
                throw new Error(`pulled ${result.files.length} files, expected ${fileCount}+`);
              }
            },
            ours,
            oursCpu,
          );
        if (i % 2 === 0) {
          await runOfficial();
          await runOurs();
        } else {
          await runOurs();
          await runOfficial();
        }
      }
      const median = (xs: number[]): number =>
        [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
      const list = (xs: number[]): string => xs.map((t) => t.toFixed(0)).join(', ');
      console.log(`[${label}] ${fileCount} files, ${(total / 1e6).toFixed(1)} MB`);
      console.log(
        `[${label}] @huggingface/hub snapshotDownload  median ${median(official).toFixed(0)} ms  (runs: ${list(official)}; client CPU median ${median(officialCpu).toFixed(0)} ms)`,
      );
      console.log(
        `[${label}] hub pull()                        median ${median(ours).toFixed(0)} ms  (runs: ${list(ours)}; client CPU median ${median(oursCpu).toFixed(0)} ms)`,
      );
      console.log(
        `[${label}] speed-up: ${(median(official) / median(ours)).toFixed(1)}x (target >= 5x); client CPU ratio ${(median(officialCpu) / median(oursCpu)).toFixed(1)}x`,
      );
    };
    const load = (): string =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
    console.log(`load average before: ${load()}`);
    await compare(server.url, 'loopback', runs);
    if (rttMs > 0) {
      const link = await startLatencyProxy(server.url, rttMs);
      try {
        await compare(link.url, `${rttMs} ms RTT`, Math.min(runs, 2));
      } finally {
        await link.close();
      }
    }

    console.log(`load average after:  ${load()}`);

    // Warm pulls of the model cached by the last run.
    const cacheDir = join(work, 'ours-warm');
    const lockfile = join(work, 'modelhub.lock');
    await pull('bench/many', { endpoint: server.url, cacheDir, env: {}, lockfile });
    const count = async (extra: object): Promise<{ requests: number; ms: number }> => {
      let requests = 0;
      const t = performance.now();
      await pull('bench/many', {
        endpoint: server.url,
        cacheDir,
        env: {},
        onRequest: () => {
          requests += 1;
        },
        tuning: { metadataTtls: { revision: 0 } },
        ...extra,
      });
      return { requests, ms: performance.now() - t };
    };
    const warm = await count({});
    const frozen = await count({ lockfile, frozen: true });
    console.log(
      `warm pull (revision re-checked): ${warm.requests} request(s), ${warm.ms.toFixed(0)} ms (target <= 1)`,
    );
    console.log(
      `warm pull --frozen:              ${frozen.requests} request(s), ${frozen.ms.toFixed(0)} ms (target 0)`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
