import { readFile } from 'node:fs/promises';

import { ModelhubError } from '../errors/modelhub-error.ts';

/**
 * Reads a path given as a model input (a `.txt` or `.wav` example). A file that cannot be read is
 * the INVALID_INPUT every input reader gives, naming the path and the system's error code, so the
 * extractor can fail that input alone.
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    throw new ModelhubError(
      'INVALID_INPUT',
      `Cannot read ${path}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}`,
      {
        hint: 'Check the path.',
        details: { input: path },
        cause,
      },
    );
  }
}
