import { execFile } from 'node:child_process';
import { request as httpRequest, type RequestListener } from 'node:http';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  ensureFixtures,
  startHttpServer,
  startTestRegistry,
  type TestHttpServer,
  type TestRegistry,
} from '@modelhub/testing';

// A registry reached over TLS, as huggingface.co is: metadata goes through node:https, bodies
// through undici (the raw-socket paths are for plain http only). The certificate is a fresh
// self-signed one made by openssl; the hub process trusts it the way a user would, through
// NODE_EXTRA_CA_CERTS. The TLS front is a small reverse proxy to the real registry.

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const main = join(repoRoot, 'packages', 'cli', 'src', 'main.ts');

let registry: TestRegistry;
let work: string;
let front: TestHttpServer;
let endpoint: string;
let certificate: string;

beforeAll(async () => {
  registry = await startTestRegistry({ seed: ['ppocr-cls'] });
  work = await mkdtemp(join(tmpdir(), 'modelhub-https-'));
  certificate = join(work, 'cert.pem');
  const key = join(work, 'key.pem');
  await run('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    key,
    '-out',
    certificate,
    '-days',
    '1',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  ]);
  const upstream = new URL(registry.url);
  const proxyToRegistry: RequestListener = (req, res) => {
    const forward = httpRequest(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    req.pipe(forward);
  };
  front = await startHttpServer(proxyToRegistry, {
    tls: { key: await readFile(key), cert: await readFile(certificate) },
  });
  endpoint = front.url;
});

afterAll(async () => {
  await front.close();
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

async function hub(
  args: readonly string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(HUB_|HF_|NODE_EXTRA_CA_CERTS)/.test(k)),
  );
  try {
    const { stdout, stderr } = await run(process.execPath, ['--conditions=@modelhub/source', main, ...args], {
      env: { ...clean, HOME: join(work, 'home'), HUB_ENDPOINT: endpoint, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code?: number; stdout?: string; stderr?: string };
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

describe('a registry over https', () => {
  it('pulls a model whose certificate the user trusts, verified byte for byte', async () => {
    const fx = await ensureFixtures();
    const cache = join(work, 'cache');
    const pulled = await hub(['pull', 'modelhub/ppocr-cls', '--json'], {
      HUB_CACHE: cache,
      NODE_EXTRA_CA_CERTS: certificate,
    });
    expect(pulled.stderr).toBe('');
    expect(pulled.code).toBe(0);
    const result = JSON.parse(pulled.stdout) as {
      commit: string;
      dir: string;
      files: { path: string }[];
      downloadedBytes: number;
    };
    expect(result.downloadedBytes).toBeGreaterThan(0);
    expect(result.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(result.files.map((f) => f.path)).toContain('model.onnx');
    const original = await readFile(join(fx.models['ppocr-cls'].dir, 'model.onnx'));
    expect(Buffer.compare(await readFile(join(result.dir, 'model.onnx')), original)).toBe(0);
    // A second pull re-checks the revision over the same https path and downloads nothing.
    const again = await hub(['pull', 'modelhub/ppocr-cls', '--json'], {
      HUB_CACHE: cache,
      NODE_EXTRA_CA_CERTS: certificate,
    });
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as { commit: string; downloadedBytes: number };
    expect(second).toMatchObject({ commit: result.commit, downloadedBytes: 0 });
  });

  it('refuses a certificate nobody trusts with a coded network error, not a crash', async () => {
    const refused = await hub(['pull', 'modelhub/ppocr-cls'], { HUB_CACHE: join(work, 'untrusted') });
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/error \[NETWORK_ERROR\]: Could not talk to 127\.0\.0\.1:\d+ \(\w+\)/);
    expect(refused.stderr).not.toMatch(/\n\s+at /); // no stack trace
  });
});
