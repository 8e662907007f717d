import { spawn, execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { freePort } from '@modelhub/testing';

import { buildCli } from './helpers/build-cli.ts';

// The README's "Your own registry" commands, run as written from the repository root: only the
// port (8080 may be taken) and the data folder (a user's ./registry must not be touched) change.
// The cache and config go to a temp folder, and the environment carries no token of the user's.

const execAsync = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');

/** The shell blocks of one README section, in order. */
async function readmeBlocks(section: string): Promise<string[]> {
  const text = await readFile(join(repoRoot, 'README.md'), 'utf8');
  const start = text.indexOf(`## ${section}\n`);
  const end = text.indexOf('\n## ', start + 1);
  return [...text.slice(start, end).matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1] ?? '');
}

describe('README: your own registry', () => {
  it('works as written', async () => {
    buildCli();
    const [serveBlock = '', clientBlock = ''] = await readmeBlocks('Your own registry');
    const work = await mkdtemp(join(tmpdir(), 'modelhub-readme-'));
    const port = String(await freePort());
    const adapt = (block: string): string =>
      block.replaceAll('8080', port).replaceAll('./registry', join(work, 'registry'));
    const env = Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !/^(HF_|HUB_|HUGGINGFACE_)/.test(name)),
    );
    Object.assign(env, {
      HUB_CACHE: join(work, 'cache'),
      HUB_CONFIG_DIR: join(work, 'config'),
      HF_HOME: join(work, 'hf'),
    });
    const serveLine = adapt(serveBlock).trim();
    expect(serveLine.split('\n')).toHaveLength(1);
    const server = spawn('sh', ['-c', `exec ${serveLine.replace(/\s+#.*$/, '')}`], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
      // Its own process group: npx runs hub in a child, and Ctrl-C in a terminal stops them both.
      detached: true,
    });
    let serverErr = '';
    server.stderr.on('data', (chunk: Buffer) => (serverErr += chunk.toString()));
    const closed = new Promise((done) => server.on('close', done));
    try {
      const listening = await new Promise<string>((done, fail) => {
        createInterface({ input: server.stdout }).on('line', (line) => done(line));
        server.on('exit', (code) => fail(new Error(`hub serve exited with ${String(code)}: ${serverErr}`)));
      });
      expect(listening).toBe(`listening on http://127.0.0.1:${port}`);
      const script = `set -e\n${adapt(clientBlock)}`;
      const { stdout } = await execAsync('sh', ['-c', script], { cwd: repoRoot, env, maxBuffer: 8 << 20 });
      expect(stdout).toContain(`me on http://127.0.0.1:${port} (token from HUB_TOKEN)`);
      expect(stdout).toContain('ocr -> modelhub/ppocr-rec');
      expect(stdout).toMatch(/modelhub\/ppocr-rec@main commit [0-9a-f]{40}/);
      expect(stdout).toContain('modelhub/ppocr-det'); // hub search --library onnx
    } finally {
      process.kill(-(server.pid ?? 0), 'SIGINT');
      await closed;
      await rm(work, { recursive: true, force: true });
    }
  });
});
