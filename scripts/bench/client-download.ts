// Benchmark: one large file from a registry on loopback, `hub`'s pull() (verification on) vs
// `curl -o` of the same resolve URL. Target: pull() reaches ≥ 0.9× curl's throughput. pull() uses
// one stream per file on loopback (its default there); the 4-range variant is printed for reference.
//   node scripts/bench/client-download.ts            (1 GiB)
//   BENCH_SIZE_MB=256 node scripts/bench/client-download.ts
import { spawnSync } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdtemp, open, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { pull } from '@modelhub/client';

import { mbps, serveRegistry, writeSeed } from './client-bench-support.ts';

const sizeMb = Number(process.env['BENCH_SIZE_MB'] ?? 1024);
const runs = Number(process.env['BENCH_RUNS'] ?? 3);
// Optional overrides to compare transfer settings: BENCH_CONNECTIONS (per file), BENCH_CHUNK_MB.
const tuning = {
  ...(process.env['BENCH_CONNECTIONS'] === undefined
    ? {}
    : { connectionsPerFile: Number(process.env['BENCH_CONNECTIONS']) }),
  ...(process.env['BENCH_CHUNK_MB'] === undefined
    ? {}
    : { chunkSize: Number(process.env['BENCH_CHUNK_MB']) << 20 }),
  ...(process.env['BENCH_SINGLE'] === '1' ? { parallelThreshold: Number.MAX_SAFE_INTEGER } : {}),
};
const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-dl-'));
try {
  const seedDir = join(work, 'seed');
  await writeSeed(seedDir, [{ repo: 'bench/big', dir: 'big', files: {} }]);
  const file = await open(join(seedDir, 'big', 'model.onnx'), 'w');
  const chunk = Buffer.alloc(16 << 20);
  for (let written = 0; written < sizeMb << 20; written += chunk.length) {
    randomFillSync(chunk);
    await file.write(chunk, 0, Math.min(chunk.length, (sizeMb << 20) - written));
  }
  await file.close();
  const bytes = sizeMb << 20;
  console.log(`seeding a ${sizeMb} MiB file…`);
  const server = await serveRegistry(join(work, 'data'), seedDir);
  try {
    const info = (await (await fetch(`${server.url}/api/models/bench/big/revision/main`)).json()) as {
      sha: string;
    };
    const url = `${server.url}/bench/big/resolve/${info.sha}/model.onnx`;
    const curlTimes: number[] = [];
    const hubTimes: number[] = [];
    const parallelTimes: number[] = [];
    for (let i = 0; i < runs; i += 1) {
      const out = join(work, 'curl.bin');
      const t0 = performance.now();
      const curl = spawnSync('curl', ['-sS', '--fail', '-o', out, url]);
      curlTimes.push(performance.now() - t0);
      if (curl.status !== 0 || (await stat(out)).size !== bytes) {
        throw new Error(`curl failed: ${curl.stderr.toString()}`);
      }
      await rm(out);
      const parallelDir = join(work, `parallel-${i}`);
      const t2 = performance.now();
      await pull('bench/big', {
        endpoint: server.url,
        cacheDir: parallelDir,
        env: {},
        include: ['model.onnx'],
        tuning: { connectionsPerFile: 4, ...tuning },
      });
      parallelTimes.push(performance.now() - t2);
      await rm(parallelDir, { recursive: true, force: true });
      const cacheDir = join(work, `cache-${i}`);
      const t1 = performance.now();
      await pull('bench/big', { endpoint: server.url, cacheDir, env: {}, include: ['model.onnx'], tuning });
      hubTimes.push(performance.now() - t1);
      await rm(cacheDir, { recursive: true, force: true });
    }
    const best = (xs: number[]): number => Math.min(...xs);
    console.log(
      `curl -o           best ${best(curlTimes).toFixed(0)} ms  ${mbps(bytes, best(curlTimes))}  (runs: ${curlTimes.map((t) => t.toFixed(0)).join(', ')})`,
    );
    console.log(
      `hub pull (sha256) best ${best(hubTimes).toFixed(0)} ms  ${mbps(bytes, best(hubTimes))}  (runs: ${hubTimes.map((t) => t.toFixed(0)).join(', ')})`,
    );
    console.log(
      `hub pull, 4 ranges best ${best(parallelTimes).toFixed(0)} ms  ${mbps(bytes, best(parallelTimes))}  (runs: ${parallelTimes.map((t) => t.toFixed(0)).join(', ')})`,
    );
    console.log(
      `ratio hub/curl throughput: ${(best(curlTimes) / best(hubTimes)).toFixed(2)}x (target >= 0.9x)`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
