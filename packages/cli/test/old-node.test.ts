import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { promisify } from 'node:util';

import { describe, expect, it } from 'vitest';

// An app that imports the library on a Node.js older than 22.13. Such a Node cannot run here (CI
// has only the pinned Node 24), so this Node pretends: it reports version 20.20.2 and, like Node 20,
// knows no `node:sqlite` (a resolve hook refuses it exactly as Node 20 does). Checked by hand with
// a real Node 20 as well.

const run = promisify(execFile);
const repoRoot = resolve(import.meta.dirname, '../../..');

const pretendNode20 = `
import { register } from 'node:module';
Object.defineProperty(process, 'versions', { value: { ...process.versions, node: '20.20.2' } });
register('data:text/javascript,' + encodeURIComponent(\`
  export async function resolve(specifier, context, next) {
    if (specifier === 'node:sqlite' || specifier === 'sqlite') {
      const error = new Error('No such built-in module: node:sqlite');
      error.code = 'ERR_UNKNOWN_BUILTIN_MODULE';
      throw error;
    }
    return next(specifier, context);
  }
\`));
`;

// The app imports the package by its published name, as an application would (not a relative path).
const packageName = '@modelhub/cli';
const app = `
try {
  const { fromPretrained } = await import(${JSON.stringify(packageName)});
  console.log(JSON.stringify({ imported: typeof fromPretrained }));
} catch (error) {
  console.log(JSON.stringify({ code: error.code, message: error.message, hint: error.hint }));
}
`;

async function importLibrary(
  pretend: boolean,
): Promise<{ code?: string; message?: string; hint?: string; imported?: string }> {
  const args = ['--conditions=@modelhub/source'];
  if (pretend) {
    args.push('--import', `data:text/javascript,${encodeURIComponent(pretendNode20)}`);
  }
  const { stdout } = await run(process.execPath, [...args, '--input-type=module', '-e', app], {
    cwd: repoRoot,
  });
  return JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { code?: string };
}

describe('importing fromPretrained from the @modelhub/cli package', () => {
  it('on Node < 22.13 fails with UNSUPPORTED_RUNTIME and a hint, not a missing built-in module', async () => {
    const result = await importLibrary(true);
    expect(result.code).toBe('UNSUPPORTED_RUNTIME');
    expect(result.message).toBe(
      'modelhub needs Node.js 22.13 or newer (it uses the built-in node:sqlite); this is Node.js 20.20.2.',
    );
    expect(result.hint).toContain('install Node.js 24');
  });

  it('on this Node imports as before', async () => {
    expect(await importLibrary(false)).toEqual({ imported: 'function' });
  });
});
