import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

const IMAGE = /\.(png|jpe?g|webp|gif|tiff?|avif|bmp)$/i;

/**
 * Expands FILE… arguments: files are kept as given (a bad one is reported per input later);
 * folders become their image files, recursively, in sorted order.
 */
export async function expandInputs(args: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const arg of args) {
    const info = await stat(arg).catch(() => undefined);
    if (info?.isDirectory() === true) {
      out.push(...(await imagesUnder(arg)));
    } else {
      out.push(arg);
    }
  }
  return out;
}

async function imagesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) {
      out.push(...(await imagesUnder(path)));
    } else if (IMAGE.test(e.name)) {
      out.push(path);
    }
  }
  return out;
}
