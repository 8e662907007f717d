import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { captureIo, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { runCli } from '../program.ts';

let registry: TestRegistry;
let dir: string;
const names = ['HUB_CONFIG_DIR', 'HUB_TOKEN', 'HUB_ENDPOINT', 'HF_TOKEN', 'HF_ENDPOINT', 'HF_HOME'] as const;
const saved = Object.fromEntries(names.map((n) => [n, process.env[n]]));

beforeAll(async () => {
  registry = await startTestRegistry();
  dir = await mkdtemp(join(tmpdir(), 'modelhub-cli-whoami-'));
});

afterEach(() => {
  for (const name of names) {
    if (saved[name] === undefined) {
      delete process.env[name];
    } else {
      process.env[name] = saved[name];
    }
  }
});

afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

function environment(vars: Partial<Record<(typeof names)[number], string>>): void {
  for (const name of names) {
    delete process.env[name];
  }
  process.env['HUB_CONFIG_DIR'] = join(dir, 'config');
  process.env['HF_HOME'] = join(dir, 'hf-home');
  Object.assign(process.env, vars);
}

describe('hub whoami', () => {
  it('names the account and the token source, never the token', async () => {
    const token = await registry.createToken('dana', false);
    environment({ HUB_ENDPOINT: registry.url, HUB_TOKEN: token, HF_TOKEN: 'hf_shell_secret' });
    const io = captureIo();
    expect(await runCli(['whoami'], io)).toBe(0);
    expect(io.out).toBe(`dana on ${registry.url} (token from HUB_TOKEN)\n`);
    expect(io.out + io.err).not.toContain(token);
    const json = captureIo();
    expect(await runCli(['--json', 'whoami'], json)).toBe(0);
    expect(JSON.parse(json.out)).toEqual({ endpoint: registry.url, name: 'dana', tokenSource: 'HUB_TOKEN' });
  });

  it('says why HF_TOKEN is not used for a registry other than huggingface.co (exit 4)', async () => {
    environment({ HUB_ENDPOINT: registry.url, HF_TOKEN: 'hf_shell_secret' });
    const io = captureIo();
    expect(await runCli(['whoami'], io)).toBe(4);
    expect(io.err).toContain('error [AUTH_REQUIRED]: No token is set for');
    expect(io.err).toContain('HF_TOKEN is set, but it is only sent to huggingface.co');
    expect(io.err).not.toContain('hf_shell_secret');
  });

  it('uses HF_TOKEN for an HF_ENDPOINT the user set, and names a rejected token', async () => {
    const token = await registry.createToken('erin', false);
    environment({ HF_ENDPOINT: registry.url, HF_TOKEN: token });
    const io = captureIo();
    expect(await runCli(['whoami'], io)).toBe(0);
    expect(io.out).toContain('erin on');
    expect(io.out).toContain('(token from HF_TOKEN)');
    environment({ HF_ENDPOINT: registry.url, HF_TOKEN: 'hf_revoked' });
    const bad = captureIo();
    expect(await runCli(['whoami'], bad)).toBe(4);
    expect(bad.err).toContain('[AUTH_INVALID_TOKEN]');
    expect(bad.err).toContain('the token from HF_TOKEN');
  });

  it('prints a warning and reads a public model when the registry rejects the token', async () => {
    environment({ HUB_ENDPOINT: registry.url, HUB_TOKEN: 'hf_revoked' });
    const io = captureIo();
    expect(await runCli(['search', 'anything'], io)).toBe(0);
    expect(io.err).toContain('warning: ');
    expect(io.err).toContain('rejected the token from HUB_TOKEN (401)');
  });
});
