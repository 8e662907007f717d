import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  captureIo,
  mountSmallFilesystem,
  startHttpServer,
  startTestRegistry,
  type SmallFilesystem,
  type TestRegistry,
} from '@modelhub/testing';

import { runCli } from '../src/program.ts';

// What a careless user types, as written in the issue: each must end with a stable code, a hint
// and a usage exit code, never "internal error … This is a bug", and must create nothing.

const run = promisify(execFile);
let scratch: string;
let readOnly: SmallFilesystem;
let immutable: string;
let registry: TestRegistry;
const root = process.getuid?.() === 0;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'modelhub-fs-errors-'));
  readOnly = await mountSmallFilesystem(1 << 20);
  await mkdir(join(readOnly.dir, 'existing'));
  await readOnly.setReadOnly(true);
  // An immutable folder as root (chattr +i: even root cannot write); a folder without write
  // permission for anyone else (root ignores mode bits).
  immutable = join(scratch, 'immutable');
  await mkdir(immutable);
  if (root) {
    await run('chattr', ['+i', immutable]);
  } else {
    await chmod(immutable, 0o555);
  }
  registry = await startTestRegistry();
});

afterAll(async () => {
  if (root) {
    await run('chattr', ['-i', immutable]);
  } else {
    await chmod(immutable, 0o755);
  }
  await readOnly.close();
  await registry.close();
  await rm(scratch, { recursive: true, force: true });
});

async function hub(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

function expectCoded(result: { code: number; err: string }, code: string, exit = 1): void {
  expect(result.err).toContain(`error [${code}]:`);
  expect(result.err).toMatch(/\nhint: \S/);
  expect(result.err).not.toContain('internal error');
  expect(result.code).toBe(exit);
}

describe('hub serve --data on a place that cannot hold a registry', () => {
  it('a file', async () => {
    const file = join(scratch, 'a-file');
    await writeFile(file, 'not a folder');
    const result = await hub(['serve', '--data', file, '--port', '0']);
    expectCoded(result, 'NOT_A_DIRECTORY');
    expect(result.err).toContain(file);
  });

  it('a read-only mount, itself or a new folder in it', async () => {
    expectCoded(
      await hub(['serve', '--data', join(readOnly.dir, 'existing'), '--port', '0']),
      'READ_ONLY_FILESYSTEM',
    );
    expectCoded(
      await hub(['serve', '--data', join(readOnly.dir, 'new'), '--port', '0']),
      'READ_ONLY_FILESYSTEM',
    );
  });

  it('an immutable folder, itself or a new folder in it', async () => {
    expectCoded(await hub(['serve', '--data', immutable, '--port', '0']), 'PERMISSION_DENIED');
    expectCoded(await hub(['serve', '--data', join(immutable, 'new'), '--port', '0']), 'PERMISSION_DENIED');
    expect(await readdir(immutable)).toEqual([]);
  });

  it('a folder under /proc is refused at once (it used to spin forever)', async () => {
    const result = await hub(['serve', '--data', '/proc/modelhub-registry', '--port', '0']);
    expectCoded(result, 'UNSUPPORTED_FILESYSTEM');
    expect(result.err).toContain('proc filesystem');
  });
});

describe('hub serve that fails leaves no new data folder', () => {
  it('a seed folder without seed.json', async () => {
    const seed = join(scratch, 'empty-seed');
    await mkdir(seed);
    const data = join(scratch, 'never-created-1');
    const result = await hub(['serve', '--data', data, '--port', '0', '--seed', seed]);
    expectCoded(result, 'FILE_NOT_FOUND', 2);
    expect(result.err).toContain('seed.json');
    expect(await readdir(scratch)).not.toContain('never-created-1');
  });

  it('a port that is taken', async () => {
    const blocker = await startHttpServer(() => undefined);
    try {
      const port = String(blocker.port);
      const result = await hub(['serve', '--data', join(scratch, 'never-created-2'), '--port', port]);
      expectCoded(result, 'INVALID_ARGUMENT');
      expect(await readdir(scratch)).not.toContain('never-created-2');
    } finally {
      await blocker.close();
    }
  });
});

describe('commands writing where they cannot', () => {
  it('hub pull --cache-dir on a read-only mount', async () => {
    const result = await hub([
      '--endpoint',
      registry.url,
      '--cache-dir',
      readOnly.dir,
      'pull',
      'someone/model',
    ]);
    expectCoded(result, 'READ_ONLY_FILESYSTEM');
  });

  it('hub train --out <read-only>/head fails before any work', async () => {
    const result = await hub([
      'train',
      '--base',
      'modelhub/never-loaded',
      '--data',
      scratch,
      '--out',
      join(readOnly.dir, 'head'),
    ]);
    expectCoded(result, 'READ_ONLY_FILESYSTEM');
    expect(result.err).toContain('--out');
  });

  it('--json prints the coded error as one document', async () => {
    const result = await hub(['--json', 'serve', '--data', join(immutable, 'x'), '--port', '0']);
    expect(JSON.parse(result.out)).toMatchObject({ error: { code: 'PERMISSION_DENIED' } });
  });
});

describe('hub bundle import of something that is not a bundle', () => {
  it('a missing file', async () => {
    const missing = join(scratch, 'missing.tar');
    const result = await hub(['--cache-dir', join(scratch, 'cache'), 'bundle', 'import', missing]);
    expectCoded(result, 'FILE_NOT_FOUND', 2);
    expect(result.err).toContain(missing);
  });

  it('random bytes', async () => {
    const junk = join(scratch, 'junk.tar');
    await writeFile(junk, randomBytes(5000));
    const result = await hub(['--cache-dir', join(scratch, 'cache'), 'bundle', 'import', junk]);
    expectCoded(result, 'INVALID_INPUT');
    expect(result.err).toContain('is not a modelhub bundle');
  });
});
