// Benchmark: the `hub` command as users time it — one fresh process per command (the built
// launcher, packages/cli/bin/hub.js, with its compile cache warm) — against named baselines run
// as processes in the same rounds, on a registry in its own process on loopback:
//   - `hub pull` of a 1 GiB file vs `curl -o` of the same resolve URL   (throughput, target ≥ 0.9×)
//   - `hub pull` of a 300-file, ~40 MB repo vs the official Python client's `snapshot_download`
//     (8 threads, a fresh cache each; target ≥ 4×) and vs `@huggingface/hub`'s `snapshotDownload`
//     as a 10-line script process (for the record)
//   - start-up: `hub --version` ≤ 2×, a warm `hub pull` of the cached 300-file model ≤ 3× (within
//     the revision's 60 s freshness, no request; later, one request re-checks it: both are timed)
//     and `hub pull --frozen` of it ≤ 2.5× the time of a bare `node -e 0`
// Every figure is a median over rounds in which the contenders alternate (each round starts with
// the next one), so load from other processes hits them alike. The CPU time of each process (user +
// system, all its threads) is printed too: on a busy machine it is steadier than wall time.
//
//   npm run bench:cli                      (builds, then runs this; ~2 min on a quiet 2-core machine)
//   node scripts/bench/cli-process.ts      (after `npm run build`)
//   BENCH_RUNS=5 (transfer rounds)  BENCH_STARTUP_RUNS=15  BENCH_SIZE_MB=1024  BENCH_FILES=300
//   HF_HUB_PY_SRC=/path/to/huggingface_hub/src   the official Python client's source folder, a
//   PYTHONPATH-style list (prints "skipped: …" without it), run by HF_HUB_PY_PYTHON (default
//   /usr/bin/python3) with httpx, tqdm, yaml, packaging importable and filelock ≥ 3.10 (Debian 12
//   has 3.9: put a newer filelock's src/ first in the list), e.g.
//   HF_HUB_PY_SRC=/work/pyclients/deps:/work/pyclients/hf-1.x/src
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';

import { median } from './bench-kit.ts';
import { mbps, resolveUrlAtMain, serveRegistry, writeRandomFile, writeSeed } from './client-bench-support.ts';

const root = resolve(import.meta.dirname, '..', '..');
const launcher = join(root, 'packages', 'cli', 'bin', 'hub.js');
const node = process.execPath;
const env = process.env;
const runs = Number(env['BENCH_RUNS'] ?? 5);
const startupRuns = Number(env['BENCH_STARTUP_RUNS'] ?? 15);
const sizeMb = Number(env['BENCH_SIZE_MB'] ?? 1024);
const fileCount = Number(env['BENCH_FILES'] ?? 300);
const pySrc = env['HF_HUB_PY_SRC'];
const python = env['HF_HUB_PY_PYTHON'] ?? '/usr/bin/python3';

if (!existsSync(join(root, 'packages', 'cli', 'dist', 'bundle', 'hub.js'))) {
  console.error('The CLI is not built: run `npm run build` first (or `npm run bench:cli`).');
  process.exit(1);
}

interface Sample {
  readonly ms: number;
  /** CPU seconds of the process and its threads; undefined where /proc is missing. */
  readonly cpu: number | undefined;
}

interface Command {
  readonly file: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /** Checks what the process printed; throws when the command did not do its job. */
  readonly check?: (stdout: string) => void;
}

/**
 * User + system time of this process's reaped children, from /proc/self/stat (cutime, cstime):
 * the difference around one awaited child is that child's CPU time, threads included.
 */
function childrenCpu(): number | undefined {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 16 and 17 of proc(5), counted from the state (field 3), in clock ticks (100 Hz).
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return undefined;
  }
}

/** Runs one command as a fresh process; wall time from spawn to exit. */
function time(command: Command): Promise<Sample> {
  return new Promise((done, fail) => {
    const cpu0 = childrenCpu();
    const t0 = performance.now();
    const child = spawn(command.file, command.args, {
      env: command.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', fail);
    child.on('close', (code) => {
      const ms = performance.now() - t0;
      const cpu1 = childrenCpu();
      if (code !== 0) {
        fail(new Error(`${command.file} ${command.args.join(' ')} exited with ${code}:\n${stderr}`));
        return;
      }
      try {
        command.check?.(stdout);
      } catch (error) {
        fail(error instanceof Error ? error : new Error(String(error)));
        return;
      }
      done({ ms, cpu: cpu0 === undefined || cpu1 === undefined ? undefined : cpu1 - cpu0 });
    });
  });
}

interface Contender {
  readonly name: string;
  /** The command of round `i` (a fresh cache folder, an output path…). */
  readonly command: (i: number) => Command;
  /** Set-up before each run (outside the timing). */
  readonly before?: (i: number) => void;
  /** Clean-up after each run (outside the timing). */
  readonly after?: (i: number) => Promise<void>;
}

interface Figures {
  readonly ms: number;
  readonly cpu: number | undefined;
  readonly runs: readonly number[];
}

/** One warm-up run of each contender (not counted), then `rounds` alternating rounds. */
async function compare(contenders: readonly Contender[], rounds: number): Promise<Map<string, Figures>> {
  for (const c of contenders) {
    c.before?.(-1);
    await time(c.command(-1));
    await c.after?.(-1);
  }
  const samples = new Map<string, Sample[]>(contenders.map((c) => [c.name, []]));
  const load: number[] = [];
  for (let i = 0; i < rounds; i += 1) {
    for (let k = 0; k < contenders.length; k += 1) {
      const c = contenders[(i + k) % contenders.length];
      if (c === undefined) {
        continue;
      }
      load.push(loadavg()[0] ?? 0);
      c.before?.(i);
      samples.get(c.name)?.push(await time(c.command(i)));
      await c.after?.(i);
    }
  }
  console.log(
    `  ${rounds} alternating rounds; 1-min load average during them: median ${median(load).toFixed(1)}, max ${Math.max(...load).toFixed(1)} (figures are noisy above ~1.5 on 2 cores)`,
  );
  const out = new Map<string, Figures>();
  for (const [name, xs] of samples) {
    const cpus = xs.map((s) => s.cpu).filter((c) => c !== undefined);
    out.set(name, {
      ms: median(xs.map((s) => s.ms)),
      cpu: cpus.length === xs.length ? median(cpus) : undefined,
      runs: xs.map((s) => s.ms),
    });
  }
  return out;
}

function row(name: string, f: Figures | undefined, extra = ''): void {
  if (f === undefined) {
    return;
  }
  const cpu = f.cpu === undefined ? '' : `  CPU ${f.cpu.toFixed(2)} s`;
  console.log(
    `  ${name.padEnd(48)} median ${f.ms.toFixed(0).padStart(6)} ms${extra}${cpu}  (runs: ${f.runs.map((t) => t.toFixed(0)).join(', ')})`,
  );
}

/** Prints `label: ratio (target …) ok|MISSED`; `higherIsBetter` ratios must reach the target. */
function verdict(label: string, ratio: number, target: number, higherIsBetter: boolean): void {
  const met = higherIsBetter ? ratio >= target : ratio <= target;
  console.log(
    `  => ${label}: ${ratio.toFixed(2)}x (target ${higherIsBetter ? '>=' : '<='} ${target}x) ${met ? 'ok' : 'MISSED'}`,
  );
}

const work = await mkdtemp(join(tmpdir(), 'modelhub-bench-cli-'));
const started = performance.now();
try {
  // The environment of every process: nothing of the user's own configuration, tokens or caches.
  const clean: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) {
    if (v !== undefined && !/^(HUB_|HF_|HUGGING|NODE_OPTIONS|NODE_COMPILE_CACHE|PYTHON)/.test(k)) {
      clean[k] = v;
    }
  }
  clean['HOME'] = join(work, 'home');
  clean['XDG_CACHE_HOME'] = join(work, 'xdg');
  await mkdir(clean['HOME'], { recursive: true });

  // A 1 GiB file of random bytes, and a repo mixed like a real one: mostly small configs and
  // vocabularies, some larger weight shards (LFS) — the repo of client-snapshot.ts.
  const seedDir = join(work, 'seed');
  const files: Record<string, Buffer> = {};
  let manyBytes = 0;
  for (let i = 0; i < fileCount; i += 1) {
    const size = i % 20 === 0 ? 2 << 20 : 1024 + ((i * 7919) % 60_000);
    files[`part-${String(Math.floor(i / 50))}/file-${String(i).padStart(3, '0')}.dat`] = randomBytes(size);
    manyBytes += size;
  }
  await writeSeed(seedDir, [
    { repo: 'bench/big', dir: 'big', files: {} },
    { repo: 'bench/many', dir: 'many', files },
  ]);
  const bigBytes = sizeMb << 20;
  console.log(
    `seeding a ${sizeMb} MiB file and a ${fileCount}-file repo (${(manyBytes / 1e6).toFixed(1)} MB)…`,
  );
  await writeRandomFile(join(seedDir, 'big', 'model.onnx'), bigBytes);

  const server = await serveRegistry(join(work, 'data'), seedDir);
  try {
    const hubEnv = (cache: string): Record<string, string> => ({
      ...clean,
      HUB_ENDPOINT: server.url,
      HUB_CACHE: cache,
    });
    const hub = (args: readonly string[], cache: string, check?: (stdout: string) => void): Command => ({
      file: node,
      args: [launcher, ...args],
      env: hubEnv(cache),
      ...(check === undefined ? {} : { check }),
    });
    const pulled =
      (repo: string) =>
      (stdout: string): void => {
        if (!stdout.includes(`${repo}@main commit `)) {
          throw new Error(`hub pull printed:\n${stdout}`);
        }
      };
    const load = (): string =>
      loadavg()
        .map((l) => l.toFixed(2))
        .join(' ');
    console.log(`registry: ${server.url}; node ${process.version}; load average ${load()}`);

    // 1. One large file: hub pull (sha256 verified) vs curl -o, each into a fresh place.
    {
      const url = await resolveUrlAtMain(server.url, 'bench/big', 'model.onnx');
      const curlOut = join(work, 'curl.bin');
      const bigCache = (i: number): string => join(work, `big-${i}`);
      console.log(`\n1. one ${sizeMb} MiB file from the registry on loopback`);
      const figures = await compare(
        [
          {
            name: 'curl -sS --fail -o FILE URL',
            command: () => ({ file: 'curl', args: ['-sS', '--fail', '-o', curlOut, url], env: clean }),
            after: async () => {
              if ((await stat(curlOut)).size !== bigBytes) {
                throw new Error('curl wrote a file of the wrong size');
              }
              await rm(curlOut);
            },
          },
          {
            name: 'hub pull bench/big (fresh cache)',
            command: (i) => hub(['pull', 'bench/big'], bigCache(i), pulled('bench/big')),
            after: (i) => rm(bigCache(i), { recursive: true, force: true }),
          },
        ],
        runs,
      );
      const curl = figures.get('curl -sS --fail -o FILE URL');
      const ours = figures.get('hub pull bench/big (fresh cache)');
      row('curl -o', curl, `  ${mbps(bigBytes, curl?.ms ?? NaN).padStart(9)}`);
      row('hub pull', ours, `  ${mbps(bigBytes, ours?.ms ?? NaN).padStart(9)}`);
      verdict('hub pull throughput / curl', (curl?.ms ?? NaN) / (ours?.ms ?? NaN), 0.9, true);
    }

    // 2. 300 files: hub pull vs the official clients, each into a fresh cache. Caches are deleted at
    // the end, not between runs (client-snapshot.ts says why: ext4 and recently deleted inodes).
    const manyCache = (i: number): string => join(work, `many-${i}`);
    {
      console.log(
        `\n2. a ${fileCount}-file repo, ${(manyBytes / 1e6).toFixed(1)} MB, each run into a fresh cache`,
      );
      const contenders: Contender[] = [
        {
          name: 'hub pull',
          command: (i) => hub(['pull', 'bench/many'], manyCache(i), pulled('bench/many')),
        },
      ];
      // @huggingface/hub as a user's script would call it (resolved from this checkout).
      const jsScript = join(work, 'hf-js-snapshot.mjs');
      await writeFile(
        jsScript,
        [
          `import { snapshotDownload } from ${JSON.stringify(import.meta.resolve('@huggingface/hub'))};`,
          'const [hubUrl, name, cacheDir] = process.argv.slice(2);',
          'console.debug = () => undefined; // it logs every file',
          "await snapshotDownload({ repo: { type: 'model', name }, hubUrl, cacheDir });",
          '',
        ].join('\n'),
      );
      contenders.push({
        name: '@huggingface/hub snapshotDownload (script)',
        command: (i) => ({
          file: node,
          args: [jsScript, server.url, 'bench/many', join(work, `hfjs-${i}`)],
          env: clean,
        }),
      });
      let pySkipped: string | undefined;
      const pyEnv = (i: number): Record<string, string> => ({
        ...clean,
        PYTHONPATH: pySrc ?? '',
        HF_ENDPOINT: server.url,
        HF_HOME: join(work, 'hf-home'),
        HF_HUB_CACHE: join(work, `hfpy-${i}`),
        HF_HUB_DISABLE_XET: '1',
        HF_HUB_DISABLE_TELEMETRY: '1',
      });
      const pyCode =
        'import sys\nfrom huggingface_hub import snapshot_download\n' +
        'print(snapshot_download(repo_id=sys.argv[1], max_workers=8))\n';
      if (pySrc === undefined || pySrc === '') {
        pySkipped = 'set HF_HUB_PY_SRC to the source folder of huggingface_hub (its src/)';
      } else {
        const probe = await time({
          file: python,
          args: [
            '-c',
            'import inspect, filelock, huggingface_hub, httpx, tqdm, yaml, packaging\n' +
              "assert 'mode' in inspect.signature(filelock.BaseFileLock.__init__).parameters, " +
              "f'filelock {filelock.__version__} is older than 3.10'",
          ],
          env: pyEnv(-2),
        }).catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
        if (probe instanceof Error) {
          pySkipped = `${python} cannot import huggingface_hub from ${pySrc}: ${probe.message.trim().split('\n').at(-1) ?? ''}`;
        }
      }
      if (pySkipped === undefined) {
        contenders.push({
          name: 'huggingface_hub snapshot_download (Python)',
          command: (i) => ({ file: python, args: ['-c', pyCode, 'bench/many'], env: pyEnv(i) }),
        });
      }
      const figures = await compare(contenders, runs);
      const ours = figures.get('hub pull');
      const js = figures.get('@huggingface/hub snapshotDownload (script)');
      const py = figures.get('huggingface_hub snapshot_download (Python)');
      row('hub pull', ours);
      row('huggingface_hub snapshot_download (8 threads)', py);
      row('@huggingface/hub snapshotDownload', js);
      if (py === undefined) {
        console.log(`  huggingface_hub snapshot_download: skipped: ${pySkipped ?? ''}`);
      } else {
        verdict('hub pull speed-up over huggingface_hub', py.ms / (ours?.ms ?? NaN), 4, true);
      }
      console.log(
        `  => hub pull speed-up over @huggingface/hub: ${((js?.ms ?? NaN) / (ours?.ms ?? NaN)).toFixed(2)}x (for the record)`,
      );
    }

    // 3. Start-up: commands that transfer nothing, vs a bare Node process.
    {
      const warmCache = join(work, 'warm');
      const lockfile = join(work, 'modelhub.lock');
      await time(hub(['pull', 'bench/many', '--lock', lockfile], warmCache, pulled('bench/many')));
      // The metadata store of the registry's cache folder: making its revision entry older than the
      // revision's freshness (60 s) is what a pull a few minutes later sees: one request to re-check.
      const store = join(
        warmCache,
        (await readdir(warmCache)).find((d) => d.startsWith('127.0.0.1')) ?? '',
        '.modelhub-metadata.sqlite',
      );
      const staleRevision = (): void => {
        const db = new DatabaseSync(store);
        db.exec(
          "UPDATE keyv SET value = json_set(value, '$.value.at', 0) WHERE key LIKE 'modelhub::revision:%'",
        );
        db.close();
      };
      console.log(`\n3. start-up: commands on a cached ${fileCount}-file model vs a bare node process`);
      const figures = await compare(
        [
          { name: 'node -e 0', command: () => ({ file: node, args: ['-e', '0'], env: clean }) },
          {
            name: 'hub --version',
            command: () =>
              hub(['--version'], warmCache, (out) => {
                if (!/^\d+\.\d+\.\d+/.test(out)) {
                  throw new Error(`hub --version printed ${out}`);
                }
              }),
          },
          {
            name: 'hub pull (warm, revision fresh: 0 requests)',
            command: () => hub(['pull', 'bench/many'], warmCache, pulled('bench/many')),
          },
          {
            name: 'hub pull (warm, revision re-checked: 1 request)',
            before: staleRevision,
            command: () => hub(['pull', 'bench/many'], warmCache, pulled('bench/many')),
          },
          {
            name: 'hub pull --lock FILE --frozen',
            command: () =>
              hub(['pull', 'bench/many', '--lock', lockfile, '--frozen'], warmCache, pulled('bench/many')),
          },
        ],
        startupRuns,
      );
      const bare = figures.get('node -e 0');
      const base = bare?.ms ?? NaN;
      for (const [name, f] of figures) {
        row(name, f, name === 'node -e 0' ? '' : `  ${(f.ms / base).toFixed(2)}x node`);
      }
      verdict('hub --version / node -e 0', (figures.get('hub --version')?.ms ?? NaN) / base, 2, false);
      verdict(
        'warm hub pull, 0 requests / node -e 0',
        (figures.get('hub pull (warm, revision fresh: 0 requests)')?.ms ?? NaN) / base,
        3,
        false,
      );
      verdict(
        'warm hub pull, 1 request / node -e 0',
        (figures.get('hub pull (warm, revision re-checked: 1 request)')?.ms ?? NaN) / base,
        3,
        false,
      );
      verdict(
        'hub pull --frozen / node -e 0',
        (figures.get('hub pull --lock FILE --frozen')?.ms ?? NaN) / base,
        2.5,
        false,
      );
    }
    console.log(
      `\nload average after: ${load()}; took ${((performance.now() - started) / 1000).toFixed(0)} s`,
    );
  } finally {
    await server.stop();
  }
} finally {
  await rm(work, { recursive: true, force: true });
}
