import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';

import { ModelhubError } from '@modelhub/core';

/** The terminal a secret is typed on: process.stdin, or a stand-in in tests. */
export type SecretInput = NodeJS.ReadableStream & { readonly isTTY?: boolean };

/**
 * Asks for a secret on the terminal without echoing it, as `huggingface-cli login` and `npm login`
 * do (a token passed as `--token` stays in the shell's history). `prompt` goes to `write` (stderr);
 * readline reads the line in raw mode, so backspace works, and Ctrl-C is `INTERRUPTED`.
 */
export async function readSecret(
  prompt: string,
  input: SecretInput,
  write: (text: string) => void,
): Promise<string> {
  // What readline would echo goes nowhere: the typed characters are never shown.
  const silent = new Writable({ write: (_chunk, _encoding, done) => done() });
  const rl = createInterface({ input, output: silent, terminal: true });
  write(prompt);
  try {
    return await new Promise<string>((resolve, reject) => {
      rl.once('line', (line) => resolve(line.trim()));
      rl.once('SIGINT', () =>
        reject(
          new ModelhubError('INTERRUPTED', 'Interrupted; no token was saved.', {
            hint: 'Run hub login again.',
          }),
        ),
      );
      rl.once('close', () => resolve(''));
    });
  } finally {
    rl.close();
    write('\n');
  }
}
