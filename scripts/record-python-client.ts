// Records what the official Python client (huggingface_hub) sends to a modelhub registry and what
// it gets back, scenario by scenario, for both client generations, as the JSON fixtures that
// packages/registry/test/python-client-replay.test.ts replays (CI cannot run Python).
//
//   node --conditions=@modelhub/source scripts/record-python-client.ts [--client 0.36|1.x] [--scenario NAME]
//
// It needs the client sources in /work/pyclients/hf-0.36/src and /work/pyclients/hf-1.x/src (or
// HF_0_36_SRC / HF_1_X_SRC) and Debian's python3 (PYTHON, default /usr/bin/python3). Each
// generation gets its own registry on 127.0.0.1 and a recording proxy in front of it; the client
// talks to the proxy only, never to another host. Scenarios live in scripts/python-client/scenarios.py;
// a scenario whose client-side checks fail is reported and not written.
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

import { format } from 'prettier';

import { startRegistry, type RegistryOptions } from '@modelhub/registry';

import {
  keptRequestHeaders,
  keptResponseHeaders,
  recordBody,
  scrub,
  type Exchange,
  type Recording,
} from '../packages/registry/test/python-client/exchange.ts';

const root = resolve(import.meta.dirname, '..');
const fixtures = join(root, 'packages/registry/test/python-client');
const python = process.env['PYTHON'] ?? '/usr/bin/python3';
const scenariosPy = join(root, 'scripts/python-client/scenarios.py');

/** Small enough that a 300 kB file goes through the multipart transfer in 3 parts. */
export const recordingOptions = {
  multipartThreshold: 200_000,
  multipartChunkSize: 100_000,
} satisfies Partial<RegistryOptions>;

const clients = [
  { name: '0.36', suffix: 'v0', src: process.env['HF_0_36_SRC'] ?? '/work/pyclients/hf-0.36/src' },
  { name: '1.x', suffix: 'v1', src: process.env['HF_1_X_SRC'] ?? '/work/pyclients/hf-1.x/src' },
];

function pick(headers: IncomingHttpHeaders, names: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') {
      out[name] = name === 'content-type' ? (value.split(';')[0] ?? value) : value;
    }
  }
  return out;
}

/** A proxy that records every exchange into `log` in the order requests arrive. */
async function recordingProxy(
  target: string,
  log: () => Exchange[],
): Promise<{ url: string; close(): Promise<void> }> {
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    const entries = log();
    const index = entries.length;
    entries.push(undefined as unknown as Exchange);
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = httpRequest(
        {
          host: upstream.hostname,
          port: upstream.port,
          method: req.method,
          path: req.url,
          headers: req.headers,
        },
        (answer) => {
          const parts: Buffer[] = [];
          answer.on('data', (chunk: Buffer) => parts.push(chunk));
          answer.on('end', () => {
            const bytes = Buffer.concat(parts);
            const recordedRequestBody = recordBody(req.headers['content-type'], body, true);
            const recordedResponseBody =
              req.method === 'HEAD' ? undefined : recordBody(answer.headers['content-type'], bytes, false);
            entries[index] = {
              request: {
                method: req.method ?? 'GET',
                url: req.url ?? '/',
                headers: pick(req.headers, keptRequestHeaders),
                ...(recordedRequestBody === undefined ? {} : { body: recordedRequestBody }),
              },
              response: {
                status: answer.statusCode ?? 0,
                headers: {
                  ...pick(answer.headers, keptResponseHeaders),
                  // Sizes matter for downloads only; JSON lengths vary with nothing the client reads.
                  ...(/json/.test(answer.headers['content-type'] ?? '') ||
                  answer.headers['content-length'] === undefined
                    ? {}
                    : { 'content-length': answer.headers['content-length'] }),
                },
                ...(recordedResponseBody === undefined ? {} : { body: recordedResponseBody }),
              },
            };
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            res.end(bytes);
          });
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502).end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

function runPython(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    const child = spawn(python, [scenariosPy, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('close', (code) => done({ code: code ?? 1, output }));
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { client: { type: 'string' }, scenario: { type: 'string' } } });
  const work = await mkdtemp(join(tmpdir(), 'modelhub-record-'));
  let failed = 0;
  try {
    for (const client of clients.filter((c) => values.client === undefined || c.name === values.client)) {
      const server = await startRegistry({
        dataDir: join(work, client.name, 'data'),
        port: 0,
        registry: recordingOptions,
      });
      let current: Exchange[] = [];
      const proxy = await recordingProxy(server.url, () => current);
      try {
        const tokens = {
          alice: await server.registry.access.createToken('alice', 'write'),
          bob: await server.registry.access.createToken('bob', 'write'),
          carol: await server.registry.access.createToken('carol', 'read'),
        };
        await server.registry.metadata.addOrgMember('acme', 'alice');
        const env: NodeJS.ProcessEnv = {
          PATH: process.env['PATH'] ?? '/usr/bin:/bin',
          PYTHONPATH: client.src,
          HF_ENDPOINT: proxy.url,
          HF_HUB_DISABLE_XET: '1',
          HF_HUB_DISABLE_TELEMETRY: '1',
          HF_HUB_DISABLE_PROGRESS_BARS: '1',
          HF_HOME: join(work, client.name, 'hf-home'),
          ALICE_TOKEN: tokens.alice,
          BOB_TOKEN: tokens.bob,
          CAROL_TOKEN: tokens.carol,
          REPO_SUFFIX: client.suffix,
        };
        const listed = await runPython(['--list'], env);
        const version = (await runPython(['--version'], env)).output.trim();
        const scenarios = listed.output.trim().split('\n');
        for (const scenario of scenarios.filter(
          (s) => values.scenario === undefined || s === values.scenario,
        )) {
          current = [];
          const dir = join(work, client.name, scenario);
          await mkdir(dir, { recursive: true });
          const run = await runPython([scenario, dir], env);
          if (run.code !== 0) {
            failed += 1;
            console.error(`✗ huggingface_hub ${client.name} ${scenario}\n${run.output}`);
            continue;
          }
          const recording: Recording = {
            client: `huggingface_hub ${version}`,
            scenario,
            registryOptions: recordingOptions,
            exchanges: scrub(current, proxy.url, tokens),
          };
          const file = join(fixtures, client.name, `${scenario}.json`);
          await mkdir(join(fixtures, client.name), { recursive: true });
          await writeFile(file, await format(JSON.stringify(recording), { parser: 'json', printWidth: 110 }));
          console.log(`✓ huggingface_hub ${client.name} ${scenario}: ${current.length} requests`);
        }
      } finally {
        await proxy.close();
        await server.close();
      }
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  if (failed > 0) {
    process.exitCode = 1;
  }
}

await main();
