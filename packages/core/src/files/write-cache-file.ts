import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Writes a small cache file (a shortcut the next process may use) all at once: a temp file
 * renamed into place, so a reader never sees half of it. A read-only or full cache is not an
 * error: nothing is written, the temp file is removed, and the result is false.
 */
export async function writeCacheFile(file: string, text: string): Promise<boolean> {
  const tmp = `${file}.${process.pid}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(tmp, text);
    await rename(tmp, file);
    return true;
  } catch {
    await rm(tmp, { force: true }).catch(() => undefined);
    return false;
  }
}
