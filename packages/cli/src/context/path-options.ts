import { assertRealFilesystem, assertWritableLocation } from '@modelhub/core/errors';

/** Options that name a folder or file the command creates or writes, by their flag. */
const writtenPaths: Readonly<Record<string, string>> = {
  data: '--data',
  out: '--out',
  localDir: '--local-dir',
};

/**
 * Checks the paths a command will use before it runs (`preAction` hook): none may be on a pseudo
 * filesystem such as /proc (Node's recursive mkdir never returns there), and the ones it writes
 * must be writable, so `hub train --out <read-only>/head` fails at once, not after training. The
 * cache may be read-only (`hub ls`, offline predictions from a shared cache).
 */
export function assertWritablePathOptions(...options: readonly Readonly<Record<string, unknown>>[]): void {
  for (const opts of options) {
    for (const [key, flag] of Object.entries(writtenPaths)) {
      const value = opts[key];
      if (typeof value === 'string' && value !== '') {
        assertRealFilesystem(value, flag);
        assertWritableLocation(value, flag);
      }
    }
    const cache = opts['cacheDir'];
    if (typeof cache === 'string' && cache !== '') {
      assertRealFilesystem(cache, '--cache-dir');
    }
  }
}
