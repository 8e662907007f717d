import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { captureIo } from '@modelhub/testing';

import { openRegistry } from '@modelhub/registry';

import { runCli } from '../program.ts';

describe('hub token create / hub alias set', () => {
  let data: string;
  beforeEach(async () => {
    data = await mkdtemp(join(tmpdir(), 'modelhub-cli-token-'));
  });
  afterEach(async () => {
    await rm(data, { recursive: true, force: true });
  });

  it('prints a new hf_ token and nothing else, and the registry accepts it with its scope', async () => {
    const io = captureIo();
    expect(await runCli(['token', 'create', '--data', data, '--user', 'erin', '--write'], io)).toBe(0);
    expect(io.out).toMatch(/^hf_[A-Za-z]{34}\n$/);
    const readOnly = captureIo();
    expect(await runCli(['token', 'create', '--data', data, '--user', 'erin'], readOnly)).toBe(0);

    const registry = await openRegistry(data);
    try {
      const writer = await registry.access.authenticate(`Bearer ${io.out.trim()}`);
      const reader = await registry.access.authenticate(`Bearer ${readOnly.out.trim()}`);
      expect(writer.kind === 'account' && writer.token.role).toBe('write');
      expect(reader.kind === 'account' && reader.account.name).toBe('erin');
      expect(reader.kind === 'account' && reader.token.role).toBe('read');
    } finally {
      await registry.close();
    }
  });

  it('sets an alias to an existing repo and refuses an unknown repo with exit 2', async () => {
    const registry = await openRegistry(data);
    try {
      await registry.repos.createAs('modelhub', 'model', 'modelhub', 'mobilenet-v2', false);
    } finally {
      await registry.close();
    }
    const io = captureIo();
    expect(await runCli(['alias', 'set', 'mobilenet', 'modelhub/mobilenet-v2', '--data', data], io)).toBe(0);
    const reopened = await openRegistry(data);
    try {
      expect(await reopened.aliases.get({ kind: 'anonymous' }, 'mobilenet')).toEqual({
        name: 'mobilenet',
        repoType: 'model',
        repo: 'modelhub/mobilenet-v2',
        revision: null,
      });
    } finally {
      await reopened.close();
    }
    const bad = captureIo();
    expect(await runCli(['alias', 'set', 'x', 'nobody/nothing', '--data', data], bad)).toBe(2);
    expect(bad.err).toMatch(/REPO_NOT_FOUND/);
  });
});
