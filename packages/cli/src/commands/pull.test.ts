import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startTestRegistry, type TestRegistry, captureIo } from '@modelhub/testing';

import { runCli } from '../program.ts';

let registry: TestRegistry;
let cacheDir: string;

beforeAll(async () => {
  registry = await startTestRegistry({ seed: true });
  cacheDir = await mkdtemp(join(tmpdir(), 'modelhub-cli-pull-'));
});

afterAll(async () => {
  await registry.close();
  await rm(cacheDir, { recursive: true, force: true });
});

describe('hub pull and the cache commands', () => {
  const global = (): string[] => ['--endpoint', registry.url, '--cache-dir', cacheDir];

  it('pull --json prints one result document; an alias says what it chose', async () => {
    const io = captureIo();
    expect(await runCli([...global(), '--json', 'pull', 'ppocr-cls'], io)).toBe(0);
    const result = JSON.parse(io.out) as { repo: string; commit: string; files: { path: string }[] };
    expect(result.repo).toBe('modelhub/ppocr-cls');
    expect(result.files.map((f) => f.path)).toContain('model.onnx');
    const text = captureIo();
    expect(await runCli([...global(), 'pull', 'ppocr-cls'], text)).toBe(0);
    // Said once, on the first line, as soon as the alias resolved; the summary does not repeat it.
    expect(text.out).toMatch(
      new RegExp(
        `^ppocr-cls -> modelhub/ppocr-cls@main commit ${result.commit} \\(via alias\\)\\n\\d+ files, .* -> .*models--modelhub--ppocr-cls/snapshots/`,
      ),
    );
    expect(`${text.err}${text.out}`.split('modelhub/ppocr-cls').length - 1).toBe(1);
  });

  it('exits 2 for an unknown model, with a suggestion', async () => {
    const io = captureIo();
    expect(await runCli([...global(), 'pull', 'modelhub/ppocr-clz'], io)).toBe(2);
    expect(io.err).toMatch(/REPO_NOT_FOUND[\s\S]*Did you mean modelhub\/ppocr-cls/);
  });

  it('--offline serves the cache and exits 2 naming what is missing', async () => {
    const ok = captureIo();
    expect(await runCli([...global(), '--offline', '--json', 'pull', 'modelhub/ppocr-cls'], ok)).toBe(0);
    const missing = captureIo();
    expect(await runCli([...global(), '--offline', 'pull', 'modelhub/silero-vad'], missing)).toBe(2);
    expect(missing.err).toMatch(/NOT_IN_CACHE.*modelhub\/silero-vad/);
  });

  it('search, info, ls, verify and rm', async () => {
    const search = captureIo();
    expect(await runCli([...global(), '--json', 'search', 'ppocr', '--library', 'onnx'], search)).toBe(0);
    const hits = (JSON.parse(search.out) as { results: { id: string }[] }).results.map((r) => r.id);
    expect(hits).toContain('modelhub/ppocr-cls');
    expect(hits).not.toContain('modelhub/mobilenet-v2');

    const info = captureIo();
    expect(await runCli([...global(), 'info', 'modelhub/ppocr-cls'], info)).toBe(0);
    expect(info.out).toContain('model.onnx');

    const ls = captureIo();
    expect(await runCli([...global(), '--json', 'ls'], ls)).toBe(0);
    expect((JSON.parse(ls.out) as { models: { repo: string }[] }).models.map((m) => m.repo)).toContain(
      'modelhub/ppocr-cls',
    );

    const verify = captureIo();
    expect(await runCli([...global(), 'verify'], verify)).toBe(0);
    expect(verify.out).toContain('all ok');

    const rmIo = captureIo();
    expect(await runCli([...global(), 'rm', 'modelhub/ppocr-cls'], rmIo)).toBe(0);
    expect(await runCli([...global(), 'rm', 'modelhub/ppocr-cls'], captureIo())).toBe(2);
  });

  it('--limit-rate paces the download; a rate that is not one is a usage error', async () => {
    const io = captureIo();
    expect(
      await runCli([...global(), '--json', 'pull', 'modelhub/ppocr-cls', '--limit-rate', '20MB/s'], io),
    ).toBe(0);
    expect(JSON.parse(io.out)).toMatchObject({ repo: 'modelhub/ppocr-cls' });
    const bad = captureIo();
    expect(await runCli([...global(), 'pull', 'ppocr-cls', '--limit-rate', 'fast'], bad)).toBe(1);
    expect(bad.err).toMatch(/error \[INVALID_ARGUMENT\]: "fast" is not a size/);
    const low = captureIo();
    expect(await runCli([...global(), 'pull', 'ppocr-cls', '--limit-rate', '1K'], low)).toBe(1);
    expect(low.err).toMatch(/at least 64 KiB\/s/);
  });

  it('--local-dir copies the files into a plain folder and says so; --quiet prints that folder', async () => {
    const localDir = join(cacheDir, 'project-models');
    const io = captureIo();
    expect(await runCli([...global(), 'pull', 'modelhub/ppocr-cls', '--local-dir', localDir], io)).toBe(0);
    expect(io.out).toMatch(new RegExp(`copied \\d+ files to ${localDir}\\n`));
    const files = await readdir(localDir);
    expect(files.some((f) => f.endsWith('.onnx'))).toBe(true);
    const quiet = captureIo();
    expect(
      await runCli([...global(), '--quiet', 'pull', 'modelhub/ppocr-cls', '--local-dir', localDir], quiet),
    ).toBe(0);
    expect(quiet.out).toBe(`${localDir}\n`);
  });

  it('--progress ndjson reports every event as a JSON line on stderr, the result on stdout', async () => {
    const io = captureIo();
    const args = ['--json', 'pull', 'ppocr-cls', '--progress', 'ndjson', '--local-dir', join(cacheDir, 'nd')];
    expect(await runCli([...global(), ...args], io)).toBe(0);
    const events = io.err
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { type: string; via?: string });
    expect(events[0]).toMatchObject({ type: 'resolved', via: 'alias' });
    expect(events.map((e) => e.type)).toContain('plan');
    expect(events.map((e) => e.type)).toContain('file');
    expect(JSON.parse(io.out)).toMatchObject({ repo: 'modelhub/ppocr-cls' });
    expect(await runCli([...global(), 'pull', 'ppocr-cls', '--progress', 'loud'], captureIo())).toBe(1);
  });

  it('--frozen without --lock is a usage error', async () => {
    expect(await runCli([...global(), 'pull', 'ppocr-cls', '--frozen'], captureIo())).toBe(1);
  });
});
