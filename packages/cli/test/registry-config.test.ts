import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { openRegistry } from '@modelhub/registry';
import { captureIo } from '@modelhub/testing';

import { withBackendFlags, type BackendFlags } from '../src/context/registry-backends.ts';
import { runCli } from '../src/program.ts';

// `--config registry.yaml|json` on the commands that open a registry: what the file sets, what
// wins over it, and what it must refuse to hold.

let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-config-'));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

async function configFile(name: string, text: string): Promise<string> {
  const file = join(scratch, name);
  await writeFile(file, text);
  return file;
}

/** Parses a command line of a command with the backend flags (and a serve-like --port). */
async function parsed(argv: string[]): Promise<BackendFlags & { port: number }> {
  let options: (BackendFlags & { port: number }) | undefined;
  const command = withBackendFlags(new Command('x').exitOverride(), 'modelhub-data')
    .option('--port <port>', 'port', Number, 8080)
    .action((opts: BackendFlags & { port: number }) => {
      options = opts;
    });
  await command.parseAsync(argv, { from: 'user' });
  if (options === undefined) {
    throw new Error('the action did not run');
  }
  return options;
}

async function hub(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

describe('hub --config', () => {
  it('fills what flags and environment leave out; relative paths start at the file; sizes are read', async () => {
    const file = await configFile(
      'registry.yaml',
      [
        'metadata: postgres://modelhub@db.internal:5432/modelhub',
        'blobs: s3://models/hub',
        's3Endpoint: https://s3.internal',
        'signingKeyFile: keys/signing.key',
        'port: 9000',
        'multipartThreshold: 8MiB',
        'multipartChunkSize: 5242880',
        'downloadUrlTtl: 600',
        'gcGrace: 7200',
      ].join('\n'),
    );
    const fromFile = await parsed(['--config', file]);
    expect(fromFile).toMatchObject({
      metadata: 'postgres://modelhub@db.internal:5432/modelhub',
      blobs: 's3://models/hub',
      s3Endpoint: 'https://s3.internal',
      signingKeyFile: join(scratch, 'keys', 'signing.key'),
      port: 9000,
      tunables: {
        multipartThreshold: 8 * 1024 * 1024,
        multipartChunkSize: 5 * 1024 * 1024,
        downloadUrlTtl: 600,
        gcGraceSeconds: 7200,
      },
    });

    // A flag beats the file; so does a MODELHUB_* variable.
    process.env['MODELHUB_S3_ENDPOINT'] = 'https://from-env';
    try {
      const overridden = await parsed(['--config', file, '--blobs', 's3://other/x', '--port', '7000']);
      expect(overridden).toMatchObject({ blobs: 's3://other/x', port: 7000 });
      expect(overridden.s3Endpoint).toBeUndefined();
    } finally {
      delete process.env['MODELHUB_S3_ENDPOINT'];
    }
  });

  it('JSON works too; hub token create opens the data folder the file names, next to the file', async () => {
    const file = await configFile('registry.json', JSON.stringify({ data: 'state', port: 0 }));
    const result = await hub(['token', 'create', '--config', file, '--user', 'alice', '--write']);
    expect(result.err).toBe('');
    expect(result.code).toBe(0);
    const token = result.out.trim();
    const registry = await openRegistry(join(scratch, 'state'));
    try {
      expect(await registry.access.authenticate(`Bearer ${token}`)).toMatchObject({
        kind: 'account',
        account: { name: 'alice' },
      });
    } finally {
      await registry.close();
    }
  });

  it.each([
    ['a secret key', 'awsSecretAccessKey: abc\n', /awsSecretAccessKey: secrets do not go/],
    ['a password in the database URL', 'metadata: postgres://u:pw@db/x\n', /password in its URL/],
    ['an unknown key', 'prot: 80\n', /Unrecognized key/],
    ['a wrong type', 'port: eighty\n', /port:/],
    ['a size it cannot read', 'multipartChunkSize: lots\n', /"lots" is not a size/],
    ['broken YAML', 'port: [80\n', /not valid YAML or JSON/],
  ])('refuses %s with a coded error naming the file', async (_what, text, message) => {
    const file = await configFile('bad.yaml', text);
    const result = await hub(['gc', '--config', file]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('error [INVALID_ARGUMENT]:');
    expect(result.err).toContain(file);
    expect(result.err).toMatch(message);
    expect(result.err).toMatch(/\nhint: \S/);
  });
});
