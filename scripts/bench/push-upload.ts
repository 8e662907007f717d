// Uploads: our push (`pushFolder`, what `hub push` runs) vs the official `@huggingface/hub`
// `uploadFiles` against the same registry, in the same run.
//
//   node scripts/bench/push-upload.ts [--files 300] [--file-kib 32] [--big-mib 256] [--rounds 3]
//
// The registry is `hub serve` in its own process (default backend), configured by a config file so
// objects above 64 MiB go multipart in 16 MiB parts (both clients speak that transfer). Two
// scenarios: a folder of many small files and one large file. Every trial writes new bytes (a
// unique tag at the start of each file), since the registry skips content it already has. Both
// clients read the files from disk (`file:` URLs for @huggingface/hub) and hash them themselves;
// they alternate round by round. Prints medians of wall time and of this process's CPU time, and
// ours / official (lower is better).
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { median, runFromSources } from './bench-kit.ts';
import { serveHub, type ServedRegistry } from './client-bench-support.ts';

runFromSources(import.meta.filename);

const { pushFolder } = await import('@modelhub/client');
const { openRegistry } = await import('@modelhub/registry');
const { createRepo, uploadFiles } = await import('@huggingface/hub');

const { values } = parseArgs({
  options: {
    files: { type: 'string', default: '300' },
    'file-kib': { type: 'string', default: '32' },
    'big-mib': { type: 'string', default: '256' },
    rounds: { type: 'string', default: '3' },
  },
});
const fileCount = Number(values.files);
const fileKiB = Number(values['file-kib']);
const bigMiB = Number(values['big-mib']);
const rounds = Number(values.rounds);

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-push-'));
let server: ServedRegistry | undefined;
try {
  const data = join(work, 'data');
  const admin = await openRegistry(data);
  const token = await admin.access.createToken('bench', 'write');
  await admin.close();
  const config = join(work, 'registry.yaml');
  await writeFile(config, 'data: data\nport: 0\nmultipartThreshold: 64MiB\nmultipartChunkSize: 16MiB\n');
  server = await serveHub(['--config', config]);
  const { url } = server;

  // The folders, written once; each trial re-tags the first 16 bytes of every file.
  const small = join(work, 'small');
  await mkdir(small, { recursive: true });
  const smallFiles = Array.from({ length: fileCount }, (_, i) => `part-${String(i).padStart(4, '0')}.bin`);
  for (const name of smallFiles) {
    await writeFile(join(small, name), randomBytes(fileKiB * 1024));
  }
  const big = join(work, 'big');
  await mkdir(big, { recursive: true });
  const block = randomBytes(1 << 20);
  const handle = await open(join(big, 'weights.bin'), 'w');
  for (let i = 0; i < bigMiB; i++) {
    await handle.write(block);
  }
  await handle.close();
  const scenarios = [
    {
      name: `${fileCount} files × ${fileKiB} KiB`,
      dir: small,
      files: smallFiles,
      bytes: fileCount * fileKiB * 1024,
    },
    { name: `1 file × ${bigMiB} MiB (multipart)`, dir: big, files: ['weights.bin'], bytes: bigMiB << 20 },
  ];
  let trial = 0;
  const retag = async (dir: string, files: readonly string[]): Promise<void> => {
    trial += 1;
    const tag = Buffer.from(`trial-${String(trial).padStart(10, '0')}`.slice(0, 16));
    for (const name of files) {
      const h = await open(join(dir, name), 'r+');
      await h.write(tag, 0, tag.length, 0);
      await h.close();
    }
  };

  type Client = 'ours' | 'official';
  const run = async (client: Client, scenario: (typeof scenarios)[number], repo: string): Promise<void> => {
    if (client === 'ours') {
      await pushFolder(scenario.dir, repo, { endpoint: url, token, env: {} });
      return;
    }
    // Our push creates a missing repo itself; the official client needs the call.
    await createRepo({ hubUrl: url, accessToken: token, repo: { type: 'model', name: repo } });
    await uploadFiles({
      hubUrl: url,
      accessToken: token,
      repo: { type: 'model', name: repo },
      useXet: false,
      files: scenario.files.map((name) => ({ path: name, content: pathToFileURL(join(scenario.dir, name)) })),
    });
  };

  const load: number[] = [];
  console.log(`push-upload: ${rounds} alternating rounds against hub serve (default backend) at ${url}`);
  for (const scenario of scenarios) {
    const samples: Record<Client, { ms: number; cpu: number }[]> = { ours: [], official: [] };
    for (let round = 0; round < rounds; round++) {
      const order: Client[] = round % 2 === 0 ? ['ours', 'official'] : ['official', 'ours'];
      for (const client of order) {
        await retag(scenario.dir, scenario.files);
        const repo = `bench/${client}-${trial}`;
        const cpu0 = process.cpuUsage();
        const t0 = performance.now();
        await run(client, scenario, repo);
        const ms = performance.now() - t0;
        const cpu = process.cpuUsage(cpu0);
        samples[client].push({ ms, cpu: (cpu.user + cpu.system) / 1000 });
        load.push(loadavg()[0] ?? 0);
      }
    }
    const f = (c: Client) => ({
      ms: median(samples[c].map((s) => s.ms)),
      cpu: median(samples[c].map((s) => s.cpu)),
    });
    const ours = f('ours');
    const official = f('official');
    const mbs = (ms: number) => (scenario.bytes / 1e6 / (ms / 1000)).toFixed(0);
    console.log(`\n${scenario.name}`);
    console.log(
      `  ${'client'.padEnd(34)} ${'wall ms'.padStart(8)} ${'MB/s'.padStart(6)} ${'client CPU ms'.padStart(14)}`,
    );
    console.log(
      `  ${'hub push (pushFolder)'.padEnd(34)} ${ours.ms.toFixed(0).padStart(8)} ${mbs(ours.ms).padStart(6)} ${ours.cpu.toFixed(0).padStart(14)}`,
    );
    console.log(
      `  ${'@huggingface/hub uploadFiles'.padEnd(34)} ${official.ms.toFixed(0).padStart(8)} ${mbs(official.ms).padStart(6)} ${official.cpu.toFixed(0).padStart(14)}`,
    );
    console.log(
      `  ours / official: wall ${(ours.ms / official.ms).toFixed(2)}×, client CPU ${(ours.cpu / official.cpu).toFixed(2)}× (lower is better)`,
    );
  }
  console.log(
    `\n1-min load average during the trials: median ${median(load).toFixed(1)}, max ${Math.max(...load).toFixed(1)}`,
  );
} finally {
  await server?.stop();
  await rm(work, { recursive: true, force: true });
}
