import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';

import { freePort } from './free-port.ts';

/** A running nginx for tests. */
export interface TestNginx {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** nginx's error log so far (for failure messages). */
  errorLog(): Promise<string>;
  stop(): Promise<void>;
}

function nginxBinary(): string {
  return process.env['MODELHUB_NGINX_BIN'] ?? '/usr/sbin/nginx';
}

/** Resolves once something accepts TCP connections on the port, or rejects when `failed` does. */
async function waitForPort(port: number, failed: Promise<never>): Promise<void> {
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        resolve(false);
      });
    });
    if (open) {
      return;
    }
    // The next attempt waits for nginx's process to make progress; a dead nginx ends the wait.
    await Promise.race([new Promise((resolve) => setImmediate(resolve)), failed]);
  }
}

/**
 * Starts Debian's nginx in the foreground on a free 127.0.0.1 port with `serverConfig` inside its
 * `server { }` block (everything else — logs, pid, temp folders — lives in a temp prefix).
 * As root, the worker runs as root too, so it can read test folders made by mkdtemp (mode 0700).
 */
export async function startNginx(serverConfig: string, httpConfig = ''): Promise<TestNginx> {
  const prefix = await mkdtemp(join(tmpdir(), 'modelhub-nginx-'));
  await mkdir(join(prefix, 'tmp'));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const conf = join(prefix, 'nginx.conf');
    await writeFile(
      conf,
      `${userInfo().uid === 0 ? 'user root;\n' : ''}worker_processes 1;
error_log ${join(prefix, 'error.log')} warn;
pid ${join(prefix, 'nginx.pid')};
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${join(prefix, 'tmp', 'body')};
  proxy_temp_path ${join(prefix, 'tmp', 'proxy')};
  fastcgi_temp_path ${join(prefix, 'tmp', 'fastcgi')};
  uwsgi_temp_path ${join(prefix, 'tmp', 'uwsgi')};
  scgi_temp_path ${join(prefix, 'tmp', 'scgi')};
  default_type application/octet-stream;
  sendfile on;
  tcp_nopush on;
  ${httpConfig}
  server {
    listen 127.0.0.1:${port};
    ${serverConfig}
  }
}
`,
    );
    const child = spawn(
      nginxBinary(),
      ['-p', prefix, '-e', join(prefix, 'error.log'), '-c', conf, '-g', 'daemon off;'],
      {
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<never>((_resolve, reject) => {
      child.once('exit', (code) => {
        reject(new Error(`nginx exited with ${String(code)}: ${stderr}`));
      });
      child.once('error', reject);
    });
    exited.catch(() => undefined);
    try {
      await waitForPort(port, exited);
    } catch (error) {
      if (attempt < 3 && /Address already in use/.test(stderr)) {
        continue;
      }
      await rm(prefix, { recursive: true, force: true });
      throw error;
    }
    let stopped: Promise<void> | undefined;
    return {
      url: `http://127.0.0.1:${port}`,
      port,
      errorLog: () => readFile(join(prefix, 'error.log'), 'utf8').catch(() => ''),
      stop: () => {
        stopped ??= (async () => {
          const gone = new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) {
              resolve();
            } else {
              child.once('exit', () => {
                resolve();
              });
            }
          });
          child.kill('SIGQUIT');
          await gone;
          await rm(prefix, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
}
