import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { captureIo, ensureFixtures } from '@modelhub/testing';

import { runCli } from '../src/program.ts';
import { buildCli } from './helpers/build-cli.ts';

// The bundled `hub` (bin/hub.js runs packages/cli/dist/bundle/) on the commands whose code finds
// files next to its own modules: the ONNX and TF.js inference workers, the registry's static
// folder. Each must behave as the sources do.

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const launcher = join(repoRoot, 'packages', 'cli', 'bin', 'hub.js');
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  buildCli();
  work = await mkdtemp(join(tmpdir(), 'modelhub-bundle-'));
  env = { ...process.env, HOME: work, XDG_CACHE_HOME: join(work, 'xdg'), HUB_CACHE: join(work, 'models') };
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

async function image(): Promise<string> {
  const path = join(work, 'word.png');
  const svg =
    '<svg xmlns="http://www.w3.org/2000/svg" width="160" height="48"><rect width="100%" height="100%" fill="white"/>' +
    '<text x="10" y="35" font-family="DejaVu Sans, sans-serif" font-size="29" fill="black">hello</text></svg>';
  await writeFile(path, await sharp(Buffer.from(svg)).png().toBuffer());
  return path;
}

describe('the bundled hub', () => {
  it('predicts with an ONNX and a TF.js model (their worker threads) as the sources do', async () => {
    const fx = await ensureFixtures();
    const png = await image();
    for (const model of [fx.models['ppocr-cls'].dir, fx.models['mobilenet-v2'].dir]) {
      const args = ['predict', model, png, '--json'];
      const bundled = await run(process.execPath, [launcher, ...args], { env, cwd: work });
      const io = captureIo();
      expect(await runCli(args, io)).toBe(0);
      expect(JSON.parse(bundled.stdout)).toEqual(JSON.parse(io.out));
    }
  }, 120_000);

  it('serves the registry pages and their static files', async () => {
    const child = spawn(process.execPath, [launcher, 'serve', '--data', join(work, 'data'), '--port', '0'], {
      env,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((done, fail) => {
        child.once('exit', (code) => fail(new Error(`hub serve exited with ${code}`)));
        createInterface({ input: child.stdout }).on('line', (line) => {
          const match = /listening on (http:\/\/\S+)/.exec(line);
          if (match?.[1] !== undefined) {
            done(match[1]);
          }
        });
      });
      expect((await fetch(`${url}/`)).status).toBe(200);
      const css = await fetch(`${url}/-/static/modelhub.css`);
      expect(css.status).toBe(200);
      expect(await css.text()).toBe(
        await readFile(join(repoRoot, 'packages', 'registry', 'static', 'modelhub.css'), 'utf8'),
      );
    } finally {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((done) => child.once('exit', done));
        child.kill('SIGTERM');
        await exited;
      }
    }
  }, 60_000);
});
