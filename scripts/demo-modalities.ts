// Text and audio in one minute each, with the real `hub` command and no network: a registry seeded
// with the fixture models, a head trained on 8 examples per class, evaluated on held-out examples,
// and a prediction.
//
//   npm run demo:text     spam vs ham e-mail subject lines on Universal Sentence Encoder lite
//   npm run demo:audio    six spoken keywords (espeak-ng) on Google's speech_embedding
import { spawn } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

import { ensureFixtures } from '../packages/testing/src/fixtures/ensure-fixtures.ts';

const modality = process.argv[2] === 'audio' ? 'audio' : 'text';
const hubBin = join(resolve(import.meta.dirname, '..'), 'packages', 'cli', 'bin', 'hub.js');
const fx = await ensureFixtures();
const work = await mkdtemp(join(tmpdir(), `modelhub-demo-${modality}-`));

async function hub(args: string[], env: NodeJS.ProcessEnv): Promise<string> {
  console.log(`$ hub ${args.join(' ')}`);
  const child = spawn(process.execPath, [hubBin, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr.on('data', (c: Buffer) => (err += c.toString()));
  const code = await new Promise<number>((done) => child.on('close', (c) => done(c ?? 1)));
  if (code !== 0) {
    throw new Error(`hub ${args.join(' ')} failed (${code}):\n${err}${out}`);
  }
  console.log(`${err}${out}`.replace(/^/gm, '  ').trimEnd());
  return out;
}

/** Copies files [from, from + n) of each class folder. */
async function subset(source: string, target: string, from: number, n: number): Promise<void> {
  for (const label of (await readdir(source)).sort()) {
    await mkdir(join(target, label), { recursive: true });
    for (const file of (await readdir(join(source, label))).sort().slice(from, from + n)) {
      await copyFile(join(source, label, file), join(target, label, file));
    }
  }
}

const server = spawn(
  process.execPath,
  [hubBin, 'serve', '--data', join(work, 'registry'), '--port', '0', '--seed'],
  {
    stdio: ['ignore', 'pipe', 'inherit'],
  },
);
const endpoint = await new Promise<string>((done, fail) => {
  createInterface({ input: server.stdout }).on('line', (line) => {
    const match = /^listening on (http:\/\/\S+)/.exec(line);
    if (match?.[1] !== undefined) {
      done(match[1]);
    }
  });
  server.on('exit', (code) => fail(new Error(`hub serve exited with code ${String(code)}`)));
});
try {
  const env = { ...process.env, HUB_ENDPOINT: endpoint, HUB_CACHE: join(work, 'cache'), HUB_OFFLINE: '' };
  const [base, source, from, tests] =
    modality === 'text'
      ? (['use-lite', fx.spam.dir, 100, 50] as const)
      : (['speech-embedding', fx.keywords.dir, 12, 12] as const);
  await hub(['inspect', base], env);
  const train = join(work, 'train');
  const test = join(work, 'test');
  await subset(source, train, 0, 8);
  await subset(source, test, from, tests);
  const head = join(work, 'head');
  await hub(['train', '--base', base, '--data', train, '--out', head], env);
  await hub(['eval', head, '--data', test], env);
  const label = (await readdir(test)).sort()[0] ?? '';
  const file = join(test, label, (await readdir(join(test, label))).sort()[0] ?? '');
  await hub(['predict', head, file, '--top', '2'], env);
  console.log(`(${file} is in class "${label}")`);
  // Audio: one ONNX file, raw samples in; text on USE-lite (TF.js): the head alone, and why.
  await hub(['export', head, '--out', join(work, `${modality}-classifier.onnx`)], env);
} finally {
  server.kill();
  await rm(work, { recursive: true, force: true });
}
