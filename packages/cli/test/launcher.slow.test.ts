import { execFile } from 'node:child_process';
import { access, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { buildCli } from './helpers/build-cli.ts';

// The `hub` launcher as a user runs it: the built CLI behind bin/hub.js, and the npm script that
// points at it (slow suite: it builds first, incrementally).

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');
const cliRoot = join(repoRoot, 'packages', 'cli');

describe('the hub launcher', () => {
  it('runs the built CLI, and is what both the package bin and `npm run hub` point at', async () => {
    buildCli();
    const cli = JSON.parse(await readFile(join(cliRoot, 'package.json'), 'utf8')) as {
      version: string;
      bin: { hub: string };
      files: string[];
    };
    const root = JSON.parse(await readFile(join(repoRoot, 'package.json'), 'utf8')) as {
      scripts: { hub: string };
    };
    const launcher = join(cliRoot, cli.bin.hub);
    expect(cli.files).toContain(cli.bin.hub.replace(/^\.\//, '').split('/')[0]);
    expect(root.scripts.hub).toBe(`node ${join('packages', 'cli', cli.bin.hub.replace(/^\.\//, ''))}`);
    await access(launcher);
    const { stdout } = await run(process.execPath, [launcher, '--version']);
    expect(stdout.trim()).toBe(cli.version);
  });
});
