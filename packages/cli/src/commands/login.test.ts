import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createRepo, uploadFiles } from '@huggingface/hub';

import { startTestRegistry, type TestRegistry, captureIo } from '@modelhub/testing';

import { runCli } from '../program.ts';

let registry: TestRegistry;
let dir: string;
const saved = process.env['HUB_CONFIG_DIR'];

beforeAll(async () => {
  registry = await startTestRegistry({ seed: true });
  dir = await mkdtemp(join(tmpdir(), 'modelhub-cli-login-'));
  process.env['HUB_CONFIG_DIR'] = join(dir, 'config');
});

afterAll(async () => {
  if (saved === undefined) {
    delete process.env['HUB_CONFIG_DIR'];
  } else {
    process.env['HUB_CONFIG_DIR'] = saved;
  }
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hub login', () => {
  it('refuses a bad token with exit 4 and stores nothing', async () => {
    const io = captureIo();
    expect(await runCli(['--endpoint', registry.url, '--token', 'hf_wrong', 'login'], io)).toBe(4);
    await expect(stat(join(dir, 'config', 'tokens.json'))).rejects.toThrow();
  });

  it('checks the token, stores it privately, and later commands use it', async () => {
    const token = await registry.createToken('carol', true);
    const io = captureIo();
    expect(await runCli(['--endpoint', registry.url, '--token', token, 'login'], io)).toBe(0);
    expect(io.out).toContain('as carol');
    const file = join(dir, 'config', 'tokens.json');
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toContain(token);
    const repo = { type: 'model' as const, name: 'carol/private' };
    await createRepo({ hubUrl: registry.url, accessToken: token, repo, private: true });
    await uploadFiles({
      hubUrl: registry.url,
      accessToken: token,
      repo,
      useXet: false,
      files: [{ path: 'secret.txt', content: new Blob(['only carol']) }],
    });
    const pulled = captureIo();
    const args = [
      '--endpoint',
      registry.url,
      '--cache-dir',
      join(dir, 'cache'),
      '--json',
      'pull',
      'carol/private',
    ];
    expect(await runCli(args, pulled)).toBe(0);
    const result = JSON.parse(pulled.out) as { dir: string };
    expect(await readFile(join(result.dir, 'secret.txt'), 'utf8')).toBe('only carol');
  });
});
