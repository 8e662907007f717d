import { describe, expect, it } from 'vitest';

import { ModelhubError } from '@modelhub/core';
import { captureIo } from '@modelhub/testing';

import { reportError } from './output/error-boundary.ts';
import { commandsFor, runCli } from './program.ts';

describe('hub', () => {
  it('prints its version and exits 0', async () => {
    const io = captureIo();
    expect(await runCli(['--version'], io)).toBe(0);
    expect(io.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('loads only the command it runs, none for the version, and all for help or a typo', () => {
    expect(commandsFor(['pull', 'resnet'])).toEqual(['pull']);
    expect(commandsFor(['--endpoint', 'train', '--json', 'ls'])).toEqual(['ls']);
    expect(commandsFor(['--version'])).toEqual([]);
    const all = commandsFor([]);
    expect(all).toContain('train');
    expect(all).toContain('serve');
    expect(commandsFor(['--help'])).toEqual(all);
    expect(commandsFor(['pul'])).toEqual(all);
    expect(commandsFor(['--', 'pull'])).toEqual(all);
  });

  it('lists every command in its help', async () => {
    const io = captureIo();
    expect(await runCli(['--help'], io)).toBe(0);
    for (const name of commandsFor([])) {
      expect(io.out).toMatch(new RegExp(`^  ${name}\\b`, 'm'));
    }
  });

  it('runs a command with only that command loaded', async () => {
    const io = captureIo();
    expect(await runCli(['pull', '--help'], io)).toBe(0);
    expect(io.out).toMatch(/Usage: hub pull/);
  });

  it('exits 1 with a message on an unknown command', async () => {
    const io = captureIo();
    expect(await runCli(['frobnicate'], io)).toBe(1);
    expect(io.err).toMatch(/frobnicate/);
  });

  it('reports usage mistakes with a code, the suggestion and the usage line, not the whole help', async () => {
    const typo = captureIo();
    expect(await runCli(['pul', 'x'], typo)).toBe(1);
    expect(typo.err).toBe(
      "error [INVALID_ARGUMENT]: Unknown command 'pul'.\nhint: Did you mean pull? Run hub --help for the commands.\n",
    );
    const missing = captureIo();
    expect(await runCli(['--endpoint', 'http://127.0.0.1:9', 'pull'], missing)).toBe(1);
    expect(missing.err).toBe(
      "error [INVALID_ARGUMENT]: Missing required argument 'model'.\n" +
        'hint: Usage: hub pull [options] <model> (hub pull --help for more).\n',
    );
    const nested = captureIo();
    expect(await runCli(['token', 'create', '--user'], nested)).toBe(1);
    expect(nested.err).toMatch(
      /hint: Usage: hub token create \[options\] \(hub token create --help for more\)/,
    );
    // --json promises one JSON document on stdout, usage mistakes included.
    const json = captureIo();
    expect(await runCli(['--json', 'pull', 'a', 'b'], json)).toBe(1);
    const doc = JSON.parse(json.out) as { error: { code: string; message: string } };
    expect(doc.error.code).toBe('INVALID_ARGUMENT');
    expect(doc.error.message).toMatch(/^Too many arguments for 'pull'/);
    expect(json.err).toBe('');
  });

  it('reports a coded error with its hint and exit code, or as JSON', () => {
    const error = new ModelhubError('REPO_NOT_FOUND', 'No repo me/x.', { hint: 'Check the name.' });
    const text = captureIo();
    expect(reportError(error, text, false)).toBe(2);
    expect(text.err).toBe('error [REPO_NOT_FOUND]: No repo me/x.\nhint: Check the name.\n');
    const json = captureIo();
    expect(reportError(error, json, true)).toBe(2);
    expect(JSON.parse(json.out)).toEqual({
      error: { code: 'REPO_NOT_FOUND', message: 'No repo me/x.', hint: 'Check the name.', details: {} },
    });
  });

  it('treats unexpected errors as bugs', () => {
    const io = captureIo();
    expect(reportError(new TypeError('boom'), io, false)).toBe(1);
    expect(io.err).toMatch(/internal error: TypeError: boom[\s\S]*please report/);
  });
});
