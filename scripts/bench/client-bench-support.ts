// Shared helpers of the client benchmarks: a registry in its own process, seeded from a temp dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomFillSync } from 'node:crypto';
import { mkdir, open, writeFile } from 'node:fs/promises';
import { connect, createServer, type Socket } from 'node:net';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..', '..');

export interface ServedRegistry {
  readonly url: string;
  stop(): Promise<void>;
}

/** Writes a seed folder: seed.json plus one folder per repo (each with a README model card). */
export async function writeSeed(
  seedDir: string,
  repos: readonly { repo: string; dir: string; files: Readonly<Record<string, Uint8Array | string>> }[],
): Promise<void> {
  await mkdir(seedDir, { recursive: true });
  for (const r of repos) {
    const dir = join(seedDir, r.dir);
    await mkdir(dir, { recursive: true });
    await writeFile(join(dir, 'README.md'), `---\nlibrary_name: onnx\ntags: [bench]\n---\n# ${r.repo}\n`);
    for (const [path, content] of Object.entries(r.files)) {
      await mkdir(join(dir, path, '..'), { recursive: true });
      await writeFile(join(dir, path), content);
    }
  }
  await writeFile(
    join(seedDir, 'seed.json'),
    JSON.stringify({ models: repos.map((r) => ({ repo: r.repo, dir: r.dir, aliases: [] })) }),
  );
}

/**
 * Fills `path` with `bytes` random bytes, 16 MiB at a time: a 1 GiB seed file never sits in memory,
 * and random bytes leave nothing for a transport or file system to compress.
 */
export async function writeRandomFile(path: string, bytes: number): Promise<void> {
  const file = await open(path, 'w');
  try {
    const chunk = Buffer.alloc(16 << 20);
    for (let written = 0; written < bytes; written += chunk.length) {
      randomFillSync(chunk);
      await file.write(chunk, 0, Math.min(chunk.length, bytes - written));
    }
  } finally {
    await file.close();
  }
}

/** The resolve URL of `path` in model `repo` at the commit main points at now. */
export async function resolveUrlAtMain(registryUrl: string, repo: string, path: string): Promise<string> {
  const info = (await (await fetch(`${registryUrl}/api/models/${repo}/revision/main`)).json()) as {
    sha: string;
  };
  return `${registryUrl}/${repo}/resolve/${info.sha}/${path}`;
}

/** Starts `hub serve --seed` as a separate process (so client and server do not share an event loop). */
export function serveRegistry(dataDir: string, seedDir: string): Promise<ServedRegistry> {
  return serveHub(['--data', dataDir, '--port', '0', '--seed', seedDir]);
}

/**
 * Starts `hub serve <args>` from the sources as a separate process and resolves with its URL once
 * it says it is listening (the arguments must give it port 0 or a free port).
 */
export async function serveHub(args: readonly string[]): Promise<ServedRegistry> {
  const child: ChildProcess = spawn(
    process.execPath,
    ['--conditions=@modelhub/source', join(root, 'packages', 'cli', 'src', 'main.ts'), 'serve', ...args],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const url = await new Promise<string>((done, fail) => {
    let text = '';
    child.stdout?.on('data', (d: Buffer) => {
      text += d.toString();
      const match = /listening on (http:\/\/\S+)/.exec(text);
      if (match?.[1] !== undefined) {
        done(match[1]);
      }
    });
    child.on('exit', (code) => fail(new Error(`hub serve exited with ${code}`)));
  });
  return {
    url,
    stop: () =>
      new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

export function mbps(bytes: number, ms: number): string {
  return `${(bytes / 1e6 / (ms / 1000)).toFixed(0)} MB/s`;
}

/**
 * A TCP proxy that delays every chunk by `rttMs / 2` in each direction: a link with that round-trip
 * time (bandwidth untouched) in front of a loopback server.
 */
export async function startLatencyProxy(
  upstream: string,
  rttMs: number,
): Promise<{ url: string; close(): Promise<void> }> {
  const target = new URL(upstream);
  const sockets = new Set<Socket>();
  const delayed = (from: Socket, to: Socket): void => {
    from.on('data', (chunk: Buffer) => {
      setTimeout(() => to.write(chunk), rttMs / 2);
    });
    from.on('end', () => setTimeout(() => to.end(), rttMs / 2));
    from.on('error', () => to.destroy());
  };
  const server = createServer((client) => {
    const up = connect(Number(target.port), target.hostname);
    sockets.add(client);
    sockets.add(up);
    delayed(client, up);
    delayed(up, client);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        for (const s of sockets) {
          s.destroy();
        }
        server.close(() => done());
      }),
  };
}
