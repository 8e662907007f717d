import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureIo, startTestRegistry, type TestRegistry } from '@modelhub/testing';

import { fromPretrained } from '../src/library/from-pretrained.ts';
import { runCli } from '../src/program.ts';

// What a user meets on an air-gapped machine and with inputs that all fail, as the CLI prints it.

let work: string;
let registry: TestRegistry;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'modelhub-cli-careless-'));
  registry = await startTestRegistry({ seed: true });
});

afterAll(async () => {
  await registry.close();
  await rm(work, { recursive: true, force: true });
});

async function hub(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = captureIo();
  const code = await runCli(args, io);
  return { code, out: io.out, err: io.err };
}

async function word(text: string, dir = work): Promise<string> {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${30 * text.length + 20}" height="48"><rect width="100%" height="100%" fill="white"/><text x="10" y="35" font-family="DejaVu Sans, sans-serif" font-size="29" fill="black">${text}</text></svg>`;
  const path = join(dir, `${text}.png`);
  await writeFile(path, await sharp(Buffer.from(svg)).png().toBuffer());
  return path;
}

describe('a bundle carried to a machine that never saw its registry', () => {
  it('is imported with what and from where, listed by hub ls, used by hub predict --offline and fromPretrained offline', async () => {
    const online = ['--endpoint', registry.url, '--cache-dir', join(work, 'online')];
    expect((await hub([...online, 'pull', 'modelhub/ppocr-cls'])).code).toBe(0);
    const tarFile = join(work, 'cls.tar');
    const created = await hub([...online, 'bundle', 'create', 'modelhub/ppocr-cls', '--out', tarFile]);
    expect(created.code).toBe(0);
    expect(created.out).toContain(`from ${registry.url} into ${tarFile}`);

    // No --endpoint: whatever the environment configures (huggingface.co by default) is not the source.
    const offline = ['--cache-dir', join(work, 'air-gapped')];
    const imported = await hub([...offline, 'bundle', 'import', tarFile]);
    expect(imported.code).toBe(0);
    expect(imported.out).toMatch(/^imported modelhub\/ppocr-cls@[0-9a-f]{12}: \d+ files, /m);
    expect(imported.out).toContain(`from ${tarFile}: a bundle of ${registry.url} made 20`);
    expect(imported.out).toContain(`into ${join(work, 'air-gapped')}/127.0.0.1_`);

    const listed = await hub([...offline, 'ls']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/MODEL +REGISTRY/);
    expect(listed.out).toMatch(new RegExp(`modelhub/ppocr-cls +${registry.url.replace(/\./g, '\\.')}`));

    const predicted = await hub([
      ...offline,
      '--offline',
      'predict',
      'modelhub/ppocr-cls',
      await word('upright'),
    ]);
    expect(predicted.err).toBe('');
    expect(predicted.code).toBe(0);
    expect(predicted.out).toMatch(/upright\.png: "0" 0\.\d{4}/);

    // An app on that machine: no endpoint, offline, by name.
    const app = await fromPretrained('modelhub/ppocr-cls', {
      cacheDir: join(work, 'air-gapped'),
      offline: true,
      env: {},
    });
    try {
      expect(app.kind).toBe('backbone');
      if (app.kind === 'backbone') {
        const { vectors } = await app.embed([await word('app')]);
        expect(vectors[0]?.length).toBe(200);
      }
    } finally {
      await app.dispose();
    }
  });
});

describe('inputs that all fail', () => {
  it('hub train warns about an empty class folder; hub predict through the head exits 1 with INVALID_INPUT', async () => {
    const data = join(work, 'data');
    for (const label of ['up', 'down']) {
      await mkdir(join(data, label), { recursive: true });
      for (const text of ['one', 'two', 'three']) {
        await word(`${label}${text}`, join(data, label));
      }
    }
    // A class folder made but not filled yet is left out with a warning, not silently.
    await mkdir(join(data, 'sideways'));
    const online = ['--endpoint', registry.url, '--cache-dir', join(work, 'online')];
    const global = [...online, '--quiet'];
    const head = join(work, 'head');
    const trained = await hub([
      ...online,
      'train',
      '--base',
      'modelhub/ppocr-cls',
      '--data',
      data,
      '--out',
      head,
    ]);
    expect(trained.code).toBe(0);
    expect(trained.err).toContain(
      'warning: the class folder sideways/ holds no usable example (.png, .jpg, .jpeg, .webp, .txt, .wav); the label "sideways" is left out.\n',
    );

    const failed = await hub([...global, 'predict', head, join(work, 'nope.png'), join(work, 'nada.png')]);
    expect(failed.code).toBe(1);
    expect(failed.err).toMatch(/error \[INVALID_INPUT\]: None of the 2 inputs could be read .*nope\.png/);
    // One readable input of two is a result (exit 0), the other named with its error.
    const partly = await hub([...global, 'predict', head, join(work, 'nope.png'), await word('upfour')]);
    expect(partly.code).toBe(0);
    expect(partly.out).toMatch(/upfour\.png: "(up|down)" /);
    expect(partly.err).toMatch(/nope\.png: error \[/);
  });

  it('hub embed exits 1, prints no "embedded" count and leaves no partial output', async () => {
    const outDir = join(work, 'embed-out');
    await mkdir(outDir);
    const result = await hub([
      '--endpoint',
      registry.url,
      '--cache-dir',
      join(work, 'online'),
      'embed',
      'modelhub/ppocr-cls',
      join(work, 'nope.png'),
      '--out',
      join(outDir, 'e.npy'),
    ]);
    expect(result.code).toBe(1);
    expect(result.err).toContain('error [INVALID_INPUT]');
    expect(result.err).not.toMatch(/embedded 1\/1/);
    expect(result.err).toContain('read 1/1: 0 embedded, 1 skipped');
    expect(await readdir(outDir)).toEqual([]);
  });
});
