// The scaled-out registry, every figure against a named baseline in the same run.
//
//   node scripts/bench/registry-scaleout.ts [--download-mib 256] [--downloads 4] [--resolves 2000]
//       [--commits 160] [--pulls 4] [--accel-mib 1024] [--rounds 3]
//
// Set-up, all on 127.0.0.1: Debian's PostgreSQL 15 (runuser, or MODELHUB_TEST_PG_URL) and
// @20minutes/s3rver (in this process), three `hub serve` replicas on them started from one config
// file behind a round-robin Node load balancer, a fourth replica with --no-redirect; a SQLite
// `hub serve` (the embedded default) as the baseline of latency and commits; Debian's nginx for the
// X-Accel-Redirect comparison. Registry CPU is read from /proc/<pid>/stat of the replica process.
//
//  1. Registry CPU-seconds per GiB downloaded: /resolve/ answered with a 302 to a presigned GET
//     (curl -L follows it to the store) vs the same file streamed through --no-redirect. Target ≤ 5%.
//  2. /resolve/ latency (HEAD of an LFS file, 8 in flight) on PostgreSQL (302) vs SQLite (200).
//  3. Commits/s on one branch with 1/8/32 writers and across 32 repos (one writer each), no
//     parentCommit (all land), through the balancer over 3 replicas vs one SQLite process.
//  4. 300-file pulls (`pull()`, several at once, fresh caches) through the balancer: 3 replicas vs 1.
//  5. GET of a 1 GiB file: /resolve/ via X-Accel-Redirect behind nginx vs nginx serving the blob file
//     directly (sendfile), curl -o /dev/null. Target ≥ 0.9×.
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { curlDownload, median, runFromSources } from './bench-kit.ts';

runFromSources(import.meta.filename);

const { openRegistry } = await import('@modelhub/registry');
const { pull } = await import('@modelhub/client');
const { hashFile } = await import('@modelhub/core');
const { accelRedirectConfig, startNginx, startPostgres, startS3 } = await import('@modelhub/testing');
const { request, Agent } = await import('undici');
const { startLoadBalancer, startReplica, stopReplica } =
  await import('../../packages/cli/test/helpers/replicas.ts');
type Replica = Awaited<ReturnType<typeof startReplica>>;
type Registry = Awaited<ReturnType<typeof openRegistry>>;

const { values } = parseArgs({
  options: {
    'download-mib': { type: 'string', default: '256' },
    downloads: { type: 'string', default: '4' },
    resolves: { type: 'string', default: '2000' },
    commits: { type: 'string', default: '160' },
    pulls: { type: 'string', default: '4' },
    'accel-mib': { type: 'string', default: '1024' },
    rounds: { type: 'string', default: '3' },
  },
});
const downloadMiB = Number(values['download-mib']);
const downloads = Number(values.downloads);
const resolves = Number(values.resolves);
const commitCount = Number(values.commits);
const pulls = Number(values.pulls);
const accelMiB = Number(values['accel-mib']);
const rounds = Number(values.rounds);
const GiB = 1024 ** 3;

const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};
const load: number[] = [];
const noteLoad = (): void => {
  load.push(loadavg()[0] ?? 0);
};

/** CPU seconds (user + system) a process has used so far. */
async function cpuSeconds(pid: number | undefined): Promise<number> {
  const stat = await readFile(`/proc/${String(pid)}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces): state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** A file of `mib` MiB of random blocks (each one numbered, so no two are alike). */
async function bigFile(path: string, mib: number): Promise<void> {
  const block = randomBytes(1 << 20);
  const handle = await open(path, 'w');
  for (let i = 0; i < mib; i++) {
    block.writeUInt32BE(i, 0);
    await handle.write(block);
  }
  await handle.close();
}

/** A public repo `bench/<name>` holding an LFS file at `path`. */
async function lfsRepo(registry: Registry, name: string, path: string, file: string): Promise<void> {
  const repo = await registry.repos.createAs('bench', 'model', 'bench', name, false);
  const { sha256, size } = await hashFile(file);
  await registry.uploads.storeObject(repo, createReadStream(file, { highWaterMark: 1 << 20 }), {
    sha256,
    size,
  });
  await registry.commits.commitAs('bench', repo, 'main', { summary: name, description: '' }, [
    { kind: 'lfsFile', path, sha256, size },
  ]);
}

/** curl GET to /dev/null (following redirects): bytes and seconds. */
const curl = (url: string) => curlDownload(url, { followRedirects: true });

interface Row {
  readonly metric: string;
  readonly candidate: string;
  readonly baseline: string;
  readonly ratio: string;
  readonly target: string;
}
const rows: Row[] = [];

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-scaleout-'));
const cleanups: (() => Promise<unknown>)[] = [];
try {
  console.error('setting up PostgreSQL, s3rver, replicas…');
  const [pg, s3] = await Promise.all([startPostgres(), startS3()]);
  cleanups.push(
    () => pg.stop(),
    () => s3.stop(),
  );
  const metadata = await pg.createDatabase();
  const creds = {
    AWS_ACCESS_KEY_ID: s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: s3.secretAccessKey,
    AWS_REGION: s3.region,
  };
  Object.assign(process.env, creds);
  const env = { ...process.env, ...creds };
  const admin = await openRegistry({ metadata, blobs: `s3://${s3.bucket}/hub`, s3Endpoint: s3.endpoint });
  cleanups.push(() => admin.close());
  const token = await admin.access.createToken('bench', 'write');

  // Content: a large LFS file, a small LFS file, 300 small regular files.
  const big = join(work, 'big.bin');
  await bigFile(big, downloadMiB);
  const small = join(work, 'small.bin');
  await writeFile(small, randomBytes(1 << 20));
  await lfsRepo(admin, 'big', 'big.bin', big);
  await lfsRepo(admin, 'small', 'small.bin', small);
  const files = await admin.repos.createAs('bench', 'model', 'bench', 'files', false);
  await admin.commits.commitAs(
    'bench',
    files,
    'main',
    { summary: '300 files', description: '' },
    Array.from({ length: 300 }, (_, i) => ({
      kind: 'file' as const,
      path: `shard-${String(i).padStart(3, '0')}.json`,
      content: Buffer.from(JSON.stringify({ i, pad: randomBytes(3000).toString('base64') })),
    })),
  );

  const lb = await startLoadBalancer();
  cleanups.push(() => lb.close());
  const config = join(work, 'registry.yaml');
  await writeFile(
    config,
    [
      `metadata: ${metadata}`,
      `blobs: s3://${s3.bucket}/hub`,
      `s3Endpoint: ${s3.endpoint}`,
      `publicUrl: ${lb.url}`,
      'gcInterval: 0',
    ].join('\n'),
  );
  const replicas: Replica[] = await Promise.all([1, 2, 3].map(() => startReplica(['--config', config], env)));
  const proxied = await startReplica(['--config', config, '--no-redirect'], env);
  cleanups.push(() => Promise.all([...replicas, proxied].map((r) => stopReplica(r))));
  lb.upstreams = replicas.map((r) => r.url);
  const first = replicas[0] as Replica;

  // 1. Registry CPU per GiB downloaded.
  {
    const cpu = { redirect: 0, proxied: 0 };
    const bytes = { redirect: 0, proxied: 0 };
    const secs = { redirect: 0, proxied: 0 };
    // Warm both replicas (JIT, connection pools) with a few HEADs before counting their CPU.
    for (const replica of [first, proxied]) {
      for (let i = 0; i < 5; i++) {
        const res = await request(`${replica.url}/bench/big/resolve/main/big.bin`, { method: 'HEAD' });
        await res.body.dump();
      }
    }
    for (let i = 0; i < downloads; i++) {
      for (const mode of i % 2 === 0
        ? (['redirect', 'proxied'] as const)
        : (['proxied', 'redirect'] as const)) {
        const replica = mode === 'redirect' ? first : proxied;
        const before = await cpuSeconds(replica.child.pid);
        const got = await curl(`${replica.url}/bench/big/resolve/main/big.bin`);
        cpu[mode] += (await cpuSeconds(replica.child.pid)) - before;
        bytes[mode] += got.bytes;
        secs[mode] += got.seconds;
        noteLoad();
        if (got.bytes !== downloadMiB << 20) {
          throw new Error(`${mode}: ${got.bytes} bytes, expected ${downloadMiB << 20}`);
        }
      }
    }
    const perGiB = (mode: 'redirect' | 'proxied') => cpu[mode] / (bytes[mode] / GiB);
    rows.push({
      metric: `registry CPU-s per GiB downloaded (${downloads} × ${downloadMiB} MiB, curl -L)`,
      candidate: `302 to presigned: ${perGiB('redirect').toFixed(3)} s (${(bytes.redirect / 1e6 / secs.redirect).toFixed(0)} MB/s from s3rver)`,
      baseline: `--no-redirect: ${perGiB('proxied').toFixed(3)} s (${(bytes.proxied / 1e6 / secs.proxied).toFixed(0)} MB/s)`,
      ratio: `${((perGiB('redirect') / perGiB('proxied')) * 100).toFixed(1)} %`,
      target: '≤ 5 %',
    });
  }

  // 2. /resolve/ latency. The SQLite baseline is a separate `hub serve --data` with the same file.
  const sqliteDir = join(work, 'sqlite');
  let sqliteToken: string;
  {
    // The folder belongs to one process once it serves: prepare it first.
    const local = await openRegistry(sqliteDir);
    sqliteToken = await local.access.createToken('writer', 'write');
    await lfsRepo(local, 'small', 'small.bin', small);
    await local.close();
  }
  const sqlite = await startReplica(['--data', sqliteDir], env);
  cleanups.push(() => stopReplica(sqlite));
  {
    const agent = new Agent({ connections: 8 });
    const latencies = async (base: string, expected: number): Promise<{ lat: number[]; rps: number }> => {
      const lat: number[] = [];
      let next = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (next++ < resolves) {
            const s = performance.now();
            const res = await request(`${base}/bench/small/resolve/main/small.bin`, {
              method: 'HEAD',
              dispatcher: agent,
            });
            await res.body.dump();
            if (res.statusCode !== expected) {
              throw new Error(`${base}: HEAD /resolve answered ${res.statusCode}`);
            }
            lat.push(performance.now() - s);
          }
        }),
      );
      return { lat, rps: resolves / ((performance.now() - t0) / 1000) };
    };
    await latencies(first.url, 302);
    await latencies(sqlite.url, 200);
    const pgRun = await latencies(first.url, 302);
    noteLoad();
    const liteRun = await latencies(sqlite.url, 200);
    noteLoad();
    await agent.close();
    const show = (r: { lat: number[]; rps: number }) =>
      `p50 ${percentile(r.lat, 50).toFixed(1)} ms, p99 ${percentile(r.lat, 99).toFixed(1)} ms, ${r.rps.toFixed(0)} req/s`;
    rows.push({
      metric: `HEAD /resolve/ of an LFS file (${resolves} requests, 8 in flight, one replica)`,
      candidate: `PostgreSQL + S3 (302): ${show(pgRun)}`,
      baseline: `SQLite + disk (200): ${show(liteRun)}`,
      ratio: `p50 ${(percentile(pgRun.lat, 50) / percentile(liteRun.lat, 50)).toFixed(2)}×, p99 ${(percentile(pgRun.lat, 99) / percentile(liteRun.lat, 99)).toFixed(2)}×`,
      target: 'p99 reported',
    });
  }

  // 3. Commits/s. Repos are created up front through each registry's API.
  {
    const targets = [
      { name: 'PostgreSQL, 3 replicas', url: lb.url, token },
      { name: 'SQLite, 1 process', url: sqlite.url, token: sqliteToken },
    ];
    const owner = (t: (typeof targets)[number]) => (t.url === lb.url ? 'bench' : 'writer');
    const create = async (t: (typeof targets)[number], name: string): Promise<void> => {
      const res = await request(`${t.url}/api/repos/create`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ name, organization: owner(t), type: 'model' }),
      });
      await res.body.dump();
      if (res.statusCode !== 200 && res.statusCode !== 409) {
        throw new Error(`create ${name}: ${res.statusCode}`);
      }
    };
    let serial = 0;
    const commitTo = async (t: (typeof targets)[number], repo: string): Promise<void> => {
      serial += 1;
      const body = [
        JSON.stringify({ key: 'header', value: { summary: `c${serial}` } }),
        JSON.stringify({
          key: 'file',
          value: {
            path: `c/${serial}.txt`,
            content: Buffer.from(String(serial)).toString('base64'),
            encoding: 'base64',
          },
        }),
      ].join('\n');
      const res = await request(`${t.url}/api/models/${owner(t)}/${repo}/commit/main`, {
        method: 'POST',
        headers: { authorization: `Bearer ${t.token}`, 'content-type': 'application/x-ndjson' },
        body,
      });
      await res.body.dump();
      if (res.statusCode !== 200) {
        throw new Error(`commit to ${repo}: ${res.statusCode}`);
      }
    };
    const workloads = [
      { label: '1 writer, one branch', writers: 1, repos: 1 },
      { label: '8 writers, one branch', writers: 8, repos: 1 },
      { label: '32 writers, one branch', writers: 32, repos: 1 },
      { label: '32 writers, 32 repos', writers: 32, repos: 32 },
    ];
    for (const t of targets) {
      await create(t, 'line');
      for (let r = 0; r < 32; r++) {
        await create(t, `r${r}`);
      }
    }
    for (const w of workloads) {
      const rate: Record<string, number> = {};
      for (const t of targets) {
        const t0 = performance.now();
        let left = commitCount;
        await Promise.all(
          Array.from({ length: w.writers }, async (_, i) => {
            while (left > 0) {
              left -= 1;
              await commitTo(t, w.repos === 1 ? 'line' : `r${i % w.repos}`);
            }
          }),
        );
        rate[t.name] = commitCount / ((performance.now() - t0) / 1000);
        noteLoad();
      }
      const a = rate['PostgreSQL, 3 replicas'] ?? 0;
      const b = rate['SQLite, 1 process'] ?? 0;
      rows.push({
        metric: `commits/s, ${w.label} (${commitCount} commits)`,
        candidate: `PostgreSQL, 3 replicas: ${a.toFixed(1)}/s`,
        baseline: `SQLite, 1 process: ${b.toFixed(1)}/s`,
        ratio: `${(a / b).toFixed(2)}×`,
        target: '—',
      });
    }
  }

  // 4. 300-file pulls through the balancer: 3 replicas vs 1.
  {
    const times: Record<'3' | '1', number[]> = { '3': [], '1': [] };
    let n = 0;
    const pullAll = async (): Promise<number> => {
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: pulls }, async () => {
          n += 1;
          const out = await pull('bench/files', {
            endpoint: lb.url,
            cacheDir: join(work, `cache-${n}`),
            env: {},
          });
          if (out.files.length < 300) {
            throw new Error(`pulled ${out.files.length} files`);
          }
        }),
      );
      return performance.now() - t0;
    };
    lb.upstreams = replicas.map((r) => r.url);
    await pullAll();
    for (let round = 0; round < rounds; round++) {
      for (const k of round % 2 === 0 ? (['1', '3'] as const) : (['3', '1'] as const)) {
        lb.upstreams = k === '3' ? replicas.map((r) => r.url) : [first.url];
        times[k].push(await pullAll());
        noteLoad();
      }
    }
    lb.upstreams = replicas.map((r) => r.url);
    const three = median(times['3']);
    const one = median(times['1']);
    rows.push({
      metric: `${pulls} concurrent pull()s of a 300-file repo (fresh caches, ${rounds} rounds)`,
      candidate: `3 replicas: ${three.toFixed(0)} ms`,
      baseline: `1 replica: ${one.toFixed(0)} ms`,
      ratio: `speed-up ${(one / three).toFixed(2)}×`,
      target: '—',
    });
  }

  // 5. X-Accel-Redirect behind nginx vs nginx serving the blob file.
  {
    const accelDir = join(work, 'accel');
    const accelFile = join(work, 'accel.bin');
    console.error(`writing the ${accelMiB} MiB file for nginx…`);
    await bigFile(accelFile, accelMiB);
    {
      const local = await openRegistry(accelDir);
      await lfsRepo(local, 'huge', 'huge.bin', accelFile);
      await local.close();
    }
    await rm(accelFile);
    const location = '/_modelhub_blobs/';
    const blobs = join(accelDir, 'storage', 'blobs');
    const accel = await startReplica(['--data', accelDir, '--accel-redirect', location], env);
    cleanups.push(() => stopReplica(accel));
    // The README's configuration, plus the baseline: nginx serving the same blob files directly.
    const nginx = await startNginx(`
      ${accelRedirectConfig({ upstream: accel.url, blobsDir: blobs, location })}
      location /direct/ {
        alias ${blobs}/;
      }`);
    cleanups.push(() => nginx.stop());
    const head = await request(`${accel.url}/bench/huge/resolve/main/huge.bin`, { method: 'HEAD' });
    await head.body.dump();
    const internal = String(head.headers['x-accel-redirect'] ?? '');
    if (!internal.startsWith(location)) {
      throw new Error(`no X-Accel-Redirect from the registry (${internal})`);
    }
    const urls = {
      accel: `${nginx.url}/bench/huge/resolve/main/huge.bin`,
      direct: `${nginx.url}/direct/${internal.slice(location.length)}`,
    };
    const mbs: Record<'accel' | 'direct', number[]> = { accel: [], direct: [] };
    await curl(urls.accel);
    await curl(urls.direct);
    for (let round = 0; round < rounds; round++) {
      for (const k of round % 2 === 0 ? (['direct', 'accel'] as const) : (['accel', 'direct'] as const)) {
        const got = await curl(urls[k]);
        if (got.bytes !== accelMiB << 20) {
          throw new Error(`${k}: ${got.bytes} bytes`);
        }
        mbs[k].push(got.bytes / 1e6 / got.seconds);
        noteLoad();
      }
    }
    const a = median(mbs.accel);
    const d = median(mbs.direct);
    rows.push({
      metric: `GET of a ${accelMiB} MiB LFS file behind nginx (curl -o /dev/null, ${rounds} rounds)`,
      candidate: `/resolve/ + X-Accel-Redirect: ${a.toFixed(0)} MB/s`,
      baseline: `nginx serving the blob file: ${d.toFixed(0)} MB/s`,
      ratio: `${(a / d).toFixed(2)}×`,
      target: '≥ 0.9×',
    });
  }

  const widths = (['metric', 'candidate', 'baseline', 'ratio', 'target'] as const).map((k) =>
    Math.max(k.length, ...rows.map((r) => r[k].length)),
  );
  const line = (cells: readonly string[]) =>
    `| ${cells.map((c, i) => c.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  console.log(line(['metric', 'candidate', 'baseline', 'ratio', 'target']));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const r of rows) {
    console.log(line([r.metric, r.candidate, r.baseline, r.ratio, r.target]));
  }
  console.log(
    `\n1-min load average during the measurements: median ${median(load).toFixed(1)}, max ${Math.max(...load).toFixed(1)} (2 cores: figures above ~1.5 are taken under load)`,
  );
} finally {
  for (const cleanup of cleanups.reverse()) {
    await cleanup().catch(() => undefined);
  }
  await rm(work, { recursive: true, force: true });
}
