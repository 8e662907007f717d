import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startRegistry, type RunningRegistry } from '../src/index.ts';
import { Bindings, bodyBytes, type Exchange, type Recording } from './python-client/exchange.ts';

// The official Python client (huggingface_hub 0.36 on requests and 1.x on httpx) cannot run in
// CI, so what it sent and read in each scenario of scripts/python-client/scenarios.py was recorded
// (scripts/record-python-client.ts) and is replayed here, request by request, against a real
// registry: every status, header and JSON field the client read must come back the same.
const folder = join(import.meta.dirname, 'python-client');
const recordings: Recording[] = readdirSync(folder, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .flatMap((dir) =>
    readdirSync(join(folder, dir.name))
      .filter((name) => name.endsWith('.json'))
      .sort()
      .map((name) => JSON.parse(readFileSync(join(folder, dir.name, name), 'utf8')) as Recording),
  );

async function replay(url: string, bindings: Bindings, exchange: Exchange, step: number): Promise<string[]> {
  const { request, response } = exchange;
  const headers = Object.fromEntries(
    Object.entries(request.headers).map(([name, value]) => [name, bindings.substitute(value)]),
  );
  const body =
    request.body === undefined ? undefined : bodyBytes(request.body, (t) => bindings.substitute(t));
  const answer = await fetch(`${url}${bindings.substitute(request.url)}`, {
    method: request.method,
    headers,
    redirect: 'manual',
    ...(body === undefined ? {} : { body }),
  });
  const bytes = Buffer.from(await answer.arrayBuffer());
  const where = `#${step} ${request.method} ${request.url}`;
  const problems: string[] = [];
  if (answer.status !== response.status) {
    problems.push(
      `${where}: status ${answer.status} (${bytes.toString('utf8').slice(0, 200)}), recorded ${response.status}`,
    );
    return problems;
  }
  for (const [name, recorded] of Object.entries(response.headers)) {
    const live = name === 'content-type' ? answer.headers.get(name)?.split(';')[0] : answer.headers.get(name);
    if (live === null || live === undefined || !bindings.matches(recorded, live)) {
      problems.push(`${where}: header ${name} is ${String(live)}, recorded ${recorded}`);
    }
  }
  const recordedBody = response.body;
  if (recordedBody !== undefined && 'json' in recordedBody) {
    let json: unknown;
    try {
      json = JSON.parse(bytes.toString('utf8')) as unknown;
    } catch {
      return [...problems, `${where}: the body is not JSON: ${bytes.toString('utf8').slice(0, 200)}`];
    }
    problems.push(...bindings.differences(recordedBody.json, json).map((d) => `${where}: ${d}`));
  } else if (recordedBody !== undefined && 'sha256' in recordedBody) {
    const digest = createHash('sha256').update(bytes).digest('hex');
    if (digest !== recordedBody.sha256 || bytes.byteLength !== recordedBody.size) {
      problems.push(`${where}: body of ${bytes.byteLength} bytes (${digest}), recorded ${recordedBody.size}`);
    }
  }
  return problems;
}

describe('the huggingface_hub request sequences (recorded from 0.36 and 1.x, replayed)', () => {
  let dir: string;
  let server: RunningRegistry;
  let tokens: Record<string, string>;

  beforeAll(async () => {
    const options = recordings[0]?.registryOptions ?? {};
    expect(recordings.every((r) => JSON.stringify(r.registryOptions) === JSON.stringify(options))).toBe(true);
    dir = await mkdtemp(join(tmpdir(), 'modelhub-python-replay-'));
    server = await startRegistry({ dataDir: join(dir, 'data'), port: 0, registry: options });
    // The recording's set-up (scripts/record-python-client.ts): three users and one organisation.
    tokens = {
      alice: await server.registry.access.createToken('alice', 'write'),
      bob: await server.registry.access.createToken('bob', 'write'),
      carol: await server.registry.access.createToken('carol', 'read'),
    };
    await server.registry.metadata.addOrgMember('acme', 'alice');
  });

  afterAll(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('has recordings of both client generations', () => {
    const clients = new Set(recordings.map((r) => r.client.split('.')[0]));
    expect([...clients].sort()).toEqual(['huggingface_hub 0', 'huggingface_hub 1']);
  });

  it.each(recordings.map((r) => [r.client, r.scenario, r] as const))(
    '%s: %s',
    async (_client, _scenario, recording) => {
      const bindings = new Bindings({
        endpoint: server.url,
        ...Object.fromEntries(Object.entries(tokens).map(([user, token]) => [`token:${user}`, token])),
      });
      const problems: string[] = [];
      for (const [step, exchange] of recording.exchanges.entries()) {
        problems.push(...(await replay(server.url, bindings, exchange, step)));
        if (problems.length > 0) {
          break;
        }
      }
      expect(problems).toEqual([]);
    },
  );
});
