import { execFile } from 'node:child_process';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

import { buildCli } from './helpers/build-cli.ts';

// `npm run demo` in the shell of a huggingface.co user: HF_TOKEN exported, plus modelhub settings
// that point elsewhere. The demo runs its commands in an environment it builds itself, so none of
// this may change what it does; and it leaves nothing in the temp folder.

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');

describe('npm run demo', () => {
  it('passes with a stale HF_TOKEN, HUB_TOKEN and HUB_ENDPOINT in the shell, and cleans up', async () => {
    buildCli();
    const temp = await mkdtemp(join(tmpdir(), 'modelhub-demo-test-'));
    try {
      const { stdout } = await run(process.execPath, ['--conditions=@modelhub/source', 'scripts/demo.ts'], {
        cwd: repoRoot,
        maxBuffer: 16 << 20,
        env: {
          ...process.env,
          TMPDIR: temp,
          HF_TOKEN: 'hf_invalidinvalidinvalidinvalidinva',
          HUB_TOKEN: 'hf_invalidtoo',
          HUB_ENDPOINT: 'http://127.0.0.1:9',
          HF_ENDPOINT: 'http://127.0.0.1:9',
          HUB_OFFLINE: '1',
        },
      });
      expect(stdout).toMatch(/PaddleOCR text recogniser \(transfer\)\s+\d+\.\d%/);
      expect(stdout).toContain('base model pinned by the head');
      expect(stdout).toMatch(/self-check: the head's probe image gives the same features and probabilities/);
      // Only modelhub's own folders are checked: other libraries may leave logs there.
      expect((await readdir(temp)).filter((name) => name.startsWith('modelhub-'))).toEqual([]);
    } finally {
      await rm(temp, { recursive: true, force: true });
    }
  });
});
