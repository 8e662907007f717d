import { execFile, spawnSync } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { ensureFixtures, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { buildCli } from './helpers/build-cli.ts';

// The `hub` process as users time it: the built launcher, one fresh process per command. Slow
// suite: it builds first (incrementally), then runs the launcher a few dozen times.

const repoRoot = resolve(import.meta.dirname, '../../..');
const launcher = join(repoRoot, 'packages', 'cli', 'bin', 'hub.js');
const model = 'modelhub/ppocr-cls';

let work: string;
let registry: TestRegistry;

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the launcher in a clean environment whose home and caches live under `work`. */
function hub(
  args: readonly string[],
  env: Record<string, string> = {},
  nodeArgs: string[] = [],
): Promise<Run> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) => !/^(HUB_|HF_|NODE_COMPILE_CACHE|NODE_DISABLE_COMPILE_CACHE)/.test(k),
    ),
  );
  return new Promise((done) => {
    execFile(
      process.execPath,
      [...nodeArgs, launcher, ...args],
      {
        env: {
          ...clean,
          HOME: join(work, 'home'),
          XDG_CACHE_HOME: join(work, 'xdg'),
          HUB_CACHE: join(work, 'models'),
          HUB_ENDPOINT: registry.url,
          ...env,
        },
        maxBuffer: 64 << 20,
      },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : -1;
        done({ code, stdout, stderr });
      },
    );
  });
}

async function cacheEntries(xdg: string): Promise<string[]> {
  const root = join(xdg, 'modelhub', 'node-compile-cache');
  const out: string[] = [];
  for (const tag of await readdir(root)) {
    for (const name of await readdir(join(root, tag))) {
      out.push(join(root, tag, name));
    }
  }
  return out;
}

beforeAll(async () => {
  buildCli();
  work = await mkdtemp(join(tmpdir(), 'modelhub-process-'));
  await mkdir(join(work, 'home'), { recursive: true });
  registry = await startTestRegistry({ seed: true });
});

afterAll(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

describe('the compile cache of the hub launcher', () => {
  it('is kept per user and used by the next process', async () => {
    const first = await hub(['--version']);
    expect(first).toMatchObject({ code: 0, stderr: '' });
    expect((await cacheEntries(join(work, 'xdg'))).length).toBeGreaterThan(0);
    const second = await hub(['--version'], { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    expect(second.code).toBe(0);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stderr).toMatch(/V8 code cache for ESM \S+\/bundle\/hub\.js was accepted/);
  });

  it('never fails a command: an unusable folder, corrupt entries, unreadable entries, or turned off', async () => {
    const reference = await hub(['ls', '--json']);
    expect(reference.code).toBe(0);

    // A file where the folder should be: the cache stays off.
    const blocked = join(work, 'blocked');
    await mkdir(blocked, { recursive: true });
    await writeFile(join(blocked, 'modelhub'), 'not a folder');
    expect(await hub(['ls', '--json'], { XDG_CACHE_HOME: blocked })).toEqual(reference);

    // Every entry overwritten with garbage or emptied: compiled again, and rewritten.
    const xdg = join(work, 'corrupt');
    await hub(['ls', '--json'], { XDG_CACHE_HOME: xdg });
    const entries = await cacheEntries(xdg);
    expect(entries.length).toBeGreaterThan(3); // the launcher, the bundle entry and its chunks
    await Promise.all(
      entries.map((file, i) => writeFile(file, i % 2 === 0 ? Buffer.alloc(300, i) : Buffer.alloc(0))),
    );
    expect(await hub(['ls', '--json'], { XDG_CACHE_HOME: xdg })).toEqual(reference);
    const rewritten = await hub(['ls', '--json'], {
      XDG_CACHE_HOME: xdg,
      NODE_DEBUG_NATIVE: 'COMPILE_CACHE',
    });
    expect(rewritten.stderr).toMatch(/bundle\/hub\.js was accepted/);

    // Entries that can be neither read nor replaced (a folder in each one's place).
    await Promise.all(
      entries.map(async (file) => {
        await rm(file, { force: true });
        await mkdir(join(file, 'in-the-way'), { recursive: true });
      }),
    );
    expect(await hub(['ls', '--json'], { XDG_CACHE_HOME: xdg })).toEqual(reference);

    // NODE_DISABLE_COMPILE_CACHE=1 turns it off.
    const off = join(work, 'off');
    expect(await hub(['ls', '--json'], { XDG_CACHE_HOME: off, NODE_DISABLE_COMPILE_CACHE: '1' })).toEqual(
      reference,
    );
    await expect(stat(join(off, 'modelhub'))).rejects.toThrow();
  });
});

describe('the end of a hub process', () => {
  it('waits for nothing left in the event loop once the command has returned and its output is written', async () => {
    // A preload that leaves a listening server and a ref'd interval behind: a process that waited for
    // its event loop to drain would never end (and this test would time out).
    const preload = join(work, 'keep-alive.mjs');
    await writeFile(
      preload,
      "import { createServer } from 'node:net';\n" +
        "createServer().listen(0, '127.0.0.1');\n" +
        'setInterval(() => undefined, 1_000_000);\n',
    );
    const nodeArgs = ['--import', pathToFileURL(preload).href];
    const version = await hub(['--version'], {}, nodeArgs);
    expect(version).toMatchObject({ code: 0, stderr: '' });
    const pulled = await hub(['pull', model, '--json'], {}, nodeArgs);
    expect(pulled.code).toBe(0);
    expect((JSON.parse(pulled.stdout) as { repo: string }).repo).toBe(model);
    const missing = await hub(['pull', 'modelhub/no-such-model'], {}, nodeArgs);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('error [REPO_NOT_FOUND]');
  }, 120_000);

  it('syncs nothing to disk and re-makes no snapshot link on a warm pull (strace)', async () => {
    const log = join(work, 'strace.txt');
    await hub(['pull', model]);
    const strace = spawnSync(
      'strace',
      [
        '-f',
        '-o',
        log,
        '-e',
        'trace=fsync,fdatasync,sync_file_range,syncfs,msync,symlink,symlinkat,rename,renameat,renameat2',
        process.execPath,
        launcher,
        'pull',
        model,
      ],
      {
        env: {
          ...process.env,
          HOME: join(work, 'home'),
          XDG_CACHE_HOME: join(work, 'xdg'),
          HUB_CACHE: join(work, 'models'),
          HUB_ENDPOINT: registry.url,
        },
        encoding: 'utf8',
      },
    );
    expect(strace.status).toBe(0);
    expect(strace.stdout).toContain(`${model}@main commit`);
    const traced = (await readFile(log, 'utf8'))
      .split('\n')
      .filter((l) => /\b(fsync|fdatasync|sync_file_range|syncfs|msync)\(/.test(l));
    expect(traced).toEqual([]);
    // The links are read and found right (one readlink each), not attempted again; only the
    // compile cache may rename its entries into place.
    const relinked = (await readFile(log, 'utf8'))
      .split('\n')
      .filter((l) => /\b(symlink|symlinkat|rename|renameat|renameat2)\(/.test(l))
      .filter((l) => !l.includes('node-compile-cache'));
    expect(relinked).toEqual([]);
  });
});

describe('what a hub process loads', () => {
  /** The file URLs (and `node:` built-ins) that `hub args` resolved, through a resolve hook. */
  async function traced(args: readonly string[], env: Record<string, string> = {}): Promise<string[]> {
    const preload = join(work, 'trace-modules.mjs');
    const out = join(work, `modules-${args.join('-').replace(/[^a-z0-9-]/gi, '_')}.txt`);
    await writeFile(
      preload,
      "import { registerHooks } from 'node:module';\n" +
        "import { writeFileSync } from 'node:fs';\n" +
        'const urls = new Set();\n' +
        'registerHooks({ resolve(specifier, context, next) { const r = next(specifier, context); urls.add(r.url); return r; } });\n' +
        "process.on('exit', () => writeFileSync(process.env.TRACE_OUT, [...urls].join('\\n')));\n",
    );
    const run = await hub(args, { ...env, TRACE_OUT: out }, ['--import', pathToFileURL(preload).href]);
    expect(run.code).toBe(0);
    return (await readFile(out, 'utf8')).split('\n');
  }
  const bundle = join(repoRoot, 'packages', 'cli', 'dist', 'bundle');
  /** The modules `hub args` loaded: each file of the bundle stands for those esbuild put in it. */
  async function loaded(args: readonly string[], env: Record<string, string> = {}): Promise<string[]> {
    const metafile = JSON.parse(await readFile(join(bundle, 'metafile.json'), 'utf8')) as {
      outputs: Record<string, { inputs: Record<string, unknown> }>;
    };
    return (await traced(args, env)).flatMap((url) => {
      const output = url.startsWith('file:')
        ? metafile.outputs[relative(repoRoot, fileURLToPath(url))]
        : undefined;
      return output === undefined
        ? [url]
        : [url, ...Object.keys(output.inputs).map((input) => pathToFileURL(join(repoRoot, input)).href)];
    });
  }
  const from = (urls: readonly string[], pkg: string): string[] =>
    urls.filter(
      (u) =>
        u.includes(`/node_modules/${pkg}/`) || u.includes(`/packages/${pkg.replace('@modelhub/', '')}/dist/`),
    );

  it('hub --version loads the command parser and the error contract, no client, schema or HTTP library', async () => {
    const urls = await loaded(['--version']);
    expect(from(urls, 'commander').length).toBeGreaterThan(0);
    for (const heavy of ['zod', 'undici', '@modelhub/client', 'keyv', 'tar']) {
      expect(from(urls, heavy), heavy).toEqual([]);
    }
    // From core, only the zod-free entry (`@modelhub/core/errors`) and what it imports.
    expect(urls.some((u) => u.endsWith('/packages/core/dist/errors.js'))).toBe(true);
    expect(urls.filter((u) => u.endsWith('/packages/core/dist/index.js'))).toEqual([]);
  });

  it('hub pull --frozen of a cached model sends no request, so loads no HTTP library (nor text widths, nor zod)', async () => {
    const lock = join(work, 'frozen.lock');
    expect((await hub(['pull', model, '--lock', lock])).code).toBe(0);
    const urls = await loaded(['pull', model, '--lock', lock, '--frozen']);
    expect(from(urls, '@modelhub/client').length).toBeGreaterThan(0);
    expect(from(urls, 'undici')).toEqual([]);
    expect(from(urls, 'string-width'), 'only commands that print tables measure text').toEqual([]);
    // The lockfile and the cached tree are checked by hand: zod cost each process ~35 ms.
    expect(from(urls, 'zod')).toEqual([]);
  });

  it('a warm hub pull, fresh or asking the registry once, loads no zod', async () => {
    const cache = join(work, 'warm-no-zod');
    expect((await hub(['pull', model], { HUB_CACHE: cache })).code).toBe(0);
    // The revision is fresh in the metadata cache: no request.
    expect(from(await loaded(['pull', model], { HUB_CACHE: cache }), 'zod')).toEqual([]);
    // The metadata forgotten (as after its freshness): one revision request, read without zod.
    const metadata = (await readdir(cache, { recursive: true })).filter((f) =>
      f.includes('.modelhub-metadata.sqlite'),
    );
    expect(metadata.length).toBeGreaterThan(0);
    await Promise.all(metadata.map((f) => rm(join(cache, f))));
    expect(from(await loaded(['pull', model], { HUB_CACHE: cache }), 'zod')).toEqual([]);
  });

  it('a first pull of small files from a plain-http registry loads no undici (nor node:https, nor zod)', async () => {
    // Metadata goes through Node's own HTTP client and small bodies through raw sockets: undici's
    // WebAssembly parser, compiled again by every process, is kept for large bodies and https.
    const urls = await loaded(['pull', model], { HUB_CACHE: join(work, 'fresh-small-files') });
    expect(from(urls, '@modelhub/client').length).toBeGreaterThan(0);
    expect(from(urls, 'undici')).toEqual([]);
    expect(urls).not.toContain('node:https');
    // The revision and tree answers, the tree file, the lock holder and the metadata are read by hand.
    expect(from(urls, 'zod')).toEqual([]);
  });

  it("loads no built-in that only an import's facade would load (WebCrypto, Node's own undici)", async () => {
    // process.moduleLoadList names every internal module Node loaded; written at exit.
    const preload = join(work, 'builtin-list.cjs');
    const out = join(work, 'builtins.txt');
    await writeFile(
      preload,
      "process.on('exit', () => require('node:fs').writeFileSync(process.env.BUILTINS_OUT, process.moduleLoadList.join('\\n')));\n",
    );
    const run = await hub(['pull', model], { BUILTINS_OUT: out }, ['--require', preload]);
    expect(run.code).toBe(0);
    const list = (await readFile(out, 'utf8')).split('\n');
    expect(list).toContain('NativeModule crypto');
    expect(list.filter((m) => /internal\/crypto\/webcrypto|internal\/deps\/undici/.test(m))).toEqual([]);
  });

  it('hub pull loads neither the bundle format, the registry server, nor a model runtime', async () => {
    await hub(['pull', model]);
    const urls = await loaded(['pull', model]);
    expect(from(urls, '@modelhub/client').length).toBeGreaterThan(0);
    for (const heavy of [
      'tar',
      'fastify',
      '@modelhub/registry',
      '@tensorflow/tfjs',
      'onnxruntime-node',
      'sharp',
    ]) {
      expect(from(urls, heavy), heavy).toEqual([]);
    }
  });

  /** A head on the ONNX backbone, trained once for the tests that run one (3 digits of 2 classes). */
  let onnxHead: Promise<{ head: string; image: string }> | undefined;
  const trainOnnxHead = (): Promise<{ head: string; image: string }> =>
    (onnxHead ??= (async () => {
      const fx = await ensureFixtures();
      const data = join(work, 'predict-data');
      for (const label of ['3', '8']) {
        await mkdir(join(data, label), { recursive: true });
        for (const file of (await readdir(join(fx.digits.train, label))).sort().slice(0, 3)) {
          await cp(join(fx.digits.train, label, file), join(data, label, file));
        }
      }
      const head = join(work, 'predict-head');
      const trained = await hub(['train', '--base', model, '--data', data, '--out', head, '--quiet']);
      expect(trained.code, trained.stderr).toBe(0);
      return { head, image: join(data, '3', (await readdir(join(data, '3'))).sort()[0] ?? '') };
    })());

  it('hub predict with an Option 1 head on an ONNX backbone loads onnxruntime, not TF.js', async () => {
    const { head, image } = await trainOnnxHead();
    const urls = await loaded(['predict', head, image]);
    expect(from(urls, 'onnxruntime-node').length).toBeGreaterThan(0);
    // The launcher starts onnxruntime's worker before the bundle loads (early-start.ts).
    const early = urls.indexOf(
      pathToFileURL(join(repoRoot, 'packages/adapter-onnx/dist/session/spare-worker.js')).href,
    );
    expect(early).toBeGreaterThan(-1);
    expect(early).toBeLessThan(urls.indexOf(pathToFileURL(join(bundle, 'hub.js')).href));
    // Text and sound readers load on their first text, CSV or WAV, not with their packages.
    for (const other of ['@huggingface/tokenizers', 'csv-parse', 'wavefile', 'wave-resampler']) {
      expect(from(urls, other), other).toEqual([]);
    }
    // The fine-tuning half of the trainer (TF.js, ~0.2 s to load) is a separate entry, imported on use.
    expect(from(urls, '@tensorflow/tfjs')).toEqual([]);
    expect(
      urls.filter((u) => /\/packages\/trainer\/dist\/(fine-tune\.js|fine-tune\/tail-runner\.js)$/.test(u)),
    ).toEqual([]);
  });

  it("gives the inference worker the launcher's compile cache", async () => {
    const { head, image } = await trainOnnxHead();
    expect((await hub(['predict', head, image])).code).toBe(0);
    // The worker's own module is loaded on the worker thread only: its code comes from the cache.
    const second = await hub(['predict', head, image], { NODE_DEBUG_NATIVE: 'COMPILE_CACHE' });
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(
      /V8 code cache for \S+ \S+\/adapter-onnx\/dist\/session\/inference-worker\.js was accepted/,
    );
  });

  it('reads only plain-ASCII bundle files on a pull (one non-ASCII byte makes Node decode a file to UTF-16)', async () => {
    await hub(['pull', model]);
    const files = (await traced(['pull', model])).filter((u) => u.startsWith(pathToFileURL(bundle).href));
    expect(files.length).toBeGreaterThan(1);
    for (const url of files) {
      const bytes = await readFile(fileURLToPath(url));
      expect(
        bytes.findIndex((b) => b > 0x7f),
        url,
      ).toBe(-1);
    }
  });

  it('runs from the bundle: a warm pull reads no module of a @modelhub package from its dist/ folder', async () => {
    await hub(['pull', model]);
    const files = await traced(['pull', model]);
    expect(files).toContain(pathToFileURL(join(bundle, 'hub.js')).href);
    // Only the launcher's own modules, which run before the bundle loads (a pull runs no model, so
    // the early start of onnxruntime's worker is not imported).
    expect(
      files.filter((u) => /\/packages\/[^/]+\/dist\//.test(u) && !u.startsWith(pathToFileURL(bundle).href)),
    ).toEqual([
      pathToFileURL(join(repoRoot, 'packages/cli/dist/compile-cache.js')).href,
      pathToFileURL(join(repoRoot, 'packages/cli/dist/early-start.js')).href,
      pathToFileURL(join(repoRoot, 'packages/cli/dist/runtime-check.js')).href,
    ]);
  });
});
