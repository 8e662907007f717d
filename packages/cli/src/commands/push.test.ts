import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestRegistry, type TestRegistry, captureIo } from '@modelhub/testing';

import { runCli } from '../program.ts';

let registry: TestRegistry;
let dir: string;

beforeAll(async () => {
  registry = await startTestRegistry();
  dir = await mkdtemp(join(tmpdir(), 'modelhub-cli-push-'));
  await writeFile(join(dir, 'head.onnx'), Buffer.alloc(4096, 1));
  await writeFile(join(dir, 'README.md'), '---\nbase_model: modelhub/ppocr-rec\n---\n');
});

afterAll(async () => {
  await registry.close();
  await rm(dir, { recursive: true, force: true });
});

describe('hub push', () => {
  it('prints the commit URL, then reports that nothing changed', async () => {
    const token = await registry.createToken('carol', true);
    const io = captureIo();
    expect(await runCli(['--endpoint', registry.url, '--token', token, 'push', dir, 'carol/head'], io)).toBe(
      0,
    );
    expect(io.out).toMatch(
      new RegExp(
        `^created carol/head@main: 2 files sent .*\\n${registry.url}/carol/head/commit/[0-9a-f]{40}\\n$`,
      ),
    );
    const again = captureIo();
    expect(
      await runCli(
        ['--endpoint', registry.url, '--token', token, '--json', 'push', dir, 'carol/head'],
        again,
      ),
    ).toBe(0);
    const json = JSON.parse(again.out) as { uploaded: string[]; unchanged: string[] };
    expect(json.uploaded).toEqual([]);
    expect(json.unchanged.sort()).toEqual(['README.md', 'head.onnx']);
  });

  it('exits 4 without write access and 1 on a bad folder', async () => {
    const reader = await registry.createToken('dave', false);
    const denied = captureIo();
    expect(
      await runCli(['--endpoint', registry.url, '--token', reader, 'push', dir, 'dave/head'], denied),
    ).toBe(4);
    expect(denied.err).toMatch(/AUTH_FORBIDDEN/);
    const bad = captureIo();
    expect(
      await runCli(
        ['--endpoint', registry.url, '--token', reader, 'push', join(dir, 'missing'), 'dave/head'],
        bad,
      ),
    ).toBe(1);
  });
});
