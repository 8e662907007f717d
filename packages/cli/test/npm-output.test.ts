import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

// What npm itself prints in this repository on a machine whose own Node is older than the one the
// repo pins (Node 20 here): an install must not list every package's engines, `npx hub` must not
// warn about the onnxruntime-node key, and that key must still reach the package's postinstall.

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');

/** The environment without what an outer `npm test` exports (npm_config_loglevel…): the repo's .npmrc decides. */
function ownEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_/i.test(name)));
}

async function npm(args: readonly string[]): Promise<{ stdout: string; stderr: string }> {
  return run('npm', [...args], { cwd: repoRoot, maxBuffer: 16 << 20, env: ownEnv() });
}

describe('npm in this repository', () => {
  it('installs without an EBADENGINE line (dry run of the lockfile)', async () => {
    const { stdout, stderr } = await npm(['install', '--dry-run', '--offline', '--ignore-scripts']);
    expect(`${stdout}${stderr}`).not.toContain('EBADENGINE');
    expect(stderr).not.toMatch(/npm warn/i);
  });

  it('runs npx hub without npm warnings, and still tells onnxruntime-node to skip its CUDA download', async () => {
    const version = await npm(['exec', '--offline', '--', 'hub', '--version']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
    expect(version.stderr).toBe('');
    const env = await npm(['exec', '--offline', '-c', 'echo "$npm_config_onnxruntime_node_install"']);
    expect(env.stdout.trim()).toBe('skip');
    expect(env.stderr).toBe('');
  });
});
