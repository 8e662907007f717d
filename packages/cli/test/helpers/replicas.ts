import { spawn, type ChildProcess } from 'node:child_process';
import { request, type IncomingMessage } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { freePort, startHttpServer } from '@modelhub/testing';

const cliMain = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

/** One `hub serve` process. */
export interface Replica {
  readonly url: string;
  readonly child: ChildProcess;
}

/**
 * Starts `hub serve` from the sources in a child process and waits for its "listening" line (which
 * names the public URL: the replica's own address is returned instead).
 */
export async function startReplica(args: readonly string[], env: NodeJS.ProcessEnv): Promise<Replica> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    ['--conditions=@modelhub/source', cliMain, '--json', 'serve', '--port', String(port), ...args],
    { env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const lines = createInterface({ input: child.stdout ?? process.stdin });
  await new Promise<void>((resolve, reject) => {
    lines.once('line', () => {
      resolve();
    });
    child.once('exit', (code) => {
      reject(new Error(`hub serve exited with ${String(code)}: ${stderr}`));
    });
  });
  return { url: `http://127.0.0.1:${port}`, child };
}

/** Stops a replica with SIGTERM (it drains) and waits for it to exit. */
export async function stopReplica(replica: Replica, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (replica.child.exitCode !== null || replica.child.signalCode !== null) {
    return;
  }
  const gone = new Promise((resolve) => replica.child.once('exit', resolve));
  replica.child.kill(signal);
  await gone;
}

/** A round-robin load balancer in front of replicas; a replica that refuses connections is skipped. */
export interface LoadBalancer {
  readonly url: string;
  upstreams: string[];
  /** How many requests each upstream answered. */
  readonly answered: Map<string, number>;
  /** Every answered request, in order, with the upstream that answered it. */
  readonly handled: { readonly method: string; readonly url: string; readonly upstream: string }[];
  close(): Promise<void>;
}

export async function startLoadBalancer(): Promise<LoadBalancer> {
  let next = 0;
  const answered = new Map<string, number>();
  const handled: LoadBalancer['handled'] = [];
  const lb: { upstreams: string[] } = { upstreams: [] };
  const server = await startHttpServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const attempt = (tries: number): void => {
        const upstream = lb.upstreams[next++ % lb.upstreams.length] ?? '';
        const target = new URL(req.url ?? '/', upstream);
        const forward = request(
          target,
          { method: req.method, headers: { ...req.headers, host: target.host } },
          (upstreamRes: IncomingMessage) => {
            answered.set(upstream, (answered.get(upstream) ?? 0) + 1);
            handled.push({ method: req.method ?? 'GET', url: req.url ?? '/', upstream });
            res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
            upstreamRes.pipe(res);
          },
        );
        forward.on('error', () => {
          // A dead replica (connection refused or reset before any answer): the next one takes it.
          if (tries < lb.upstreams.length && !res.headersSent) {
            attempt(tries + 1);
          } else if (!res.headersSent) {
            res.writeHead(502).end();
          } else {
            res.destroy();
          }
        });
        forward.end(body);
      };
      attempt(1);
    });
  });
  return {
    url: server.url,
    get upstreams() {
      return lb.upstreams;
    },
    set upstreams(value: string[]) {
      lb.upstreams = value;
    },
    answered,
    handled,
    close: () => server.close(),
  };
}
