import { readFile } from 'node:fs/promises';

import { ModelhubError } from '../errors/modelhub-error.ts';

/** The common system errors in words (the code stays in the message for searches). */
const reasons: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'it is a folder',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
};

/**
 * Reads a path given as a model input (a `.txt` or `.wav` example). A file that cannot be read is
 * the INVALID_INPUT every input reader gives, naming the path and the system's error code, so the
 * extractor can fail that input alone.
 */
export async function readInputFile(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (cause) {
    const code = (cause as NodeJS.ErrnoException).code;
    const reason = code === undefined ? String(cause) : `${reasons[code] ?? 'unreadable'} (${code})`;
    throw new ModelhubError('INVALID_INPUT', `Cannot read ${path}: ${reason}`, {
      hint: 'Check the path.',
      details: { input: path },
      cause,
    });
  }
}
