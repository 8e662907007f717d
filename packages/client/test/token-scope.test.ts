import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';

import { startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { info, pull, pushFolder, search, whoami, type ClientWarning } from '../src/index.ts';
import { startFaultProxy, type FaultProxy } from './helpers/fault-proxy.ts';
import { publish } from './helpers/publish.ts';

// A token from the shell (HF_TOKEN, the HF token file) belongs to huggingface.co: these tests put
// a recording proxy in front of a real registry and look at every Authorization header it saw.

let registry: TestRegistry;
let proxy: FaultProxy;
let scratch: string;
let aliceToken: string;

beforeAll(async () => {
  registry = await startTestRegistry();
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-token-scope-'));
  aliceToken = await registry.createToken('alice', true);
  await publish(registry.url, aliceToken, 'alice/tiny', {
    'config.json': '{"a":1}',
    'weights.bin': new Uint8Array(256 * 1024).fill(7),
  });
  await publish(registry.url, aliceToken, 'alice/secret', { 'notes.txt': 'private' }, { private: true });
  proxy = await startFaultProxy(registry.url, () => ({ kind: 'pass' }));
});

afterAll(async () => {
  await proxy.close();
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

beforeEach(() => {
  proxy.requests.length = 0;
});

let n = 0;
async function home(): Promise<{ HOME: string; HUB_CACHE: string; HUB_CONFIG_DIR: string }> {
  n += 1;
  const dir = join(scratch, `home-${n}`);
  await mkdir(dir, { recursive: true });
  return { HOME: dir, HUB_CACHE: join(dir, 'cache'), HUB_CONFIG_DIR: join(dir, 'config') };
}

function authorizations(): (string | undefined)[] {
  return proxy.requests.map((r) => r.authorization);
}

describe('tokens are scoped by host', () => {
  it('never sends HF_TOKEN or the HF token file to a registry that is not huggingface.co', async () => {
    const env = { ...(await home()), HUB_ENDPOINT: proxy.url, HF_TOKEN: 'hf_from_the_shell' };
    await mkdir(join(env.HOME, '.cache', 'huggingface'), { recursive: true });
    await writeFile(join(env.HOME, '.cache', 'huggingface', 'token'), 'hf_from_the_file\n');
    await pull('alice/tiny', { env });
    // The large-file path (ranged GETs, raw socket) too.
    await pull('alice/tiny', { env, cacheDir: join(env.HOME, 'other'), tuning: { smallFileThreshold: 0 } });
    await info('alice/tiny', { env });
    await search('tiny', { env });
    expect(proxy.requests.length).toBeGreaterThan(6);
    expect(authorizations().filter((a) => a !== undefined)).toEqual([]);
    await expect(whoami({ env })).rejects.toMatchObject({
      code: 'AUTH_REQUIRED',
      hint: expect.stringContaining('HF_TOKEN is set, but it is only sent to huggingface.co') as string,
    });
    await expect(pushFolder(scratch, 'alice/x', { env })).rejects.toMatchObject({ code: 'AUTH_REQUIRED' });
    expect(authorizations().filter((a) => a !== undefined)).toEqual([]);
  });

  it('sends HUB_TOKEN to HUB_ENDPOINT, and HF_TOKEN to an HF_ENDPOINT the user set', async () => {
    const hub = { ...(await home()), HUB_ENDPOINT: proxy.url, HUB_TOKEN: aliceToken, HF_TOKEN: 'hf_other' };
    const pulled = await pull('alice/secret', { env: hub });
    expect(pulled.files.map((f) => f.path)).toContain('notes.txt');
    expect(await whoami({ env: hub })).toEqual({
      endpoint: proxy.url,
      name: 'alice',
      tokenSource: 'HUB_TOKEN',
    });
    expect(authorizations().length).toBeGreaterThan(0);
    expect(authorizations().every((a) => a === `Bearer ${aliceToken}`)).toBe(true);

    proxy.requests.length = 0;
    const hf = { ...(await home()), HF_ENDPOINT: proxy.url, HF_TOKEN: aliceToken };
    await pull('alice/secret', { env: hf });
    expect(authorizations().every((a) => a === `Bearer ${aliceToken}`)).toBe(true);
  });

  it('does not send a --token given for one registry to another one', async () => {
    const env = await home();
    await expect(
      pull('alice/secret', {
        env,
        endpoint: proxy.url,
        token: aliceToken,
        tokenEndpoint: 'http://127.0.0.1:9',
      }),
    ).rejects.toMatchObject({ code: 'REPO_NOT_FOUND' });
    expect(authorizations().filter((a) => a !== undefined)).toEqual([]);
  });
});

describe('a token the registry rejects', () => {
  it('reads public repositories without it, once warned, naming where the token came from', async () => {
    const env = { ...(await home()), HUB_ENDPOINT: proxy.url, HUB_TOKEN: 'hf_revoked' };
    const warnings: ClientWarning[] = [];
    const result = await pull('alice/tiny', { env, onWarning: (w) => warnings.push(w) });
    expect(result.files.length).toBeGreaterThan(0);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.code).toBe('TOKEN_REJECTED');
    expect(warnings[0]?.message).toContain('the token from HUB_TOKEN (401)');
    expect(warnings[0]?.message).not.toContain('hf_revoked');
    // Sent once, refused, then never again in that call.
    expect(authorizations()[0]).toBe('Bearer hf_revoked');
    expect(
      authorizations()
        .slice(1)
        .every((a) => a === undefined),
    ).toBe(true);
  });

  it('also when the first request is a download (a frozen pull from a lockfile)', async () => {
    const env = { ...(await home()), HUB_ENDPOINT: proxy.url };
    const lockfile = join(env.HOME, 'modelhub.lock');
    await pull('alice/tiny', { env, lockfile });
    proxy.requests.length = 0;
    const warnings: ClientWarning[] = [];
    const frozen = await pull('alice/tiny', {
      env: { ...env, HUB_TOKEN: 'hf_revoked' },
      cacheDir: join(env.HOME, 'fresh'),
      lockfile,
      frozen: true,
      onWarning: (w) => warnings.push(w),
    });
    expect(frozen.downloadedBytes).toBeGreaterThan(0);
    expect(warnings.map((w) => w.code)).toEqual(['TOKEN_REJECTED']);
  });

  it('fails with AUTH_INVALID_TOKEN naming the source when the repository is private', async () => {
    const env = { ...(await home()), HUB_ENDPOINT: proxy.url, HUB_TOKEN: 'hf_revoked' };
    const warnings: ClientWarning[] = [];
    await expect(pull('alice/secret', { env, onWarning: (w) => warnings.push(w) })).rejects.toMatchObject({
      code: 'AUTH_INVALID_TOKEN',
      message: expect.stringContaining('rejected the token from HUB_TOKEN') as string,
    });
    expect(warnings).toEqual([]);
  });

  it('never goes on without the token for a write', async () => {
    const env = { ...(await home()), HUB_ENDPOINT: proxy.url, HUB_TOKEN: 'hf_revoked' };
    const dir = join(env.HOME, 'head');
    await mkdir(dir);
    await writeFile(join(dir, 'a.txt'), 'a');
    await expect(pushFolder(dir, 'alice/pushed', { env })).rejects.toMatchObject({
      code: 'AUTH_INVALID_TOKEN',
    });
    expect(authorizations().every((a) => a === 'Bearer hf_revoked')).toBe(true);
  });
});
