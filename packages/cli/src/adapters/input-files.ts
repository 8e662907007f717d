import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';

import { ModelhubError } from '@modelhub/core';

/** Files a folder argument expands to: images, texts (one example per file) and WAV clips. */
const EXAMPLE = /\.(png|jpe?g|webp|gif|tiff?|avif|bmp|txt|wav)$/i;

/**
 * Expands FILE… arguments: files are kept as given (a bad one is reported per input later);
 * folders become their image, `.txt` and `.wav` files, recursively, in sorted order. Nothing at
 * all to work on is an INVALID_ARGUMENT.
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
  if (out.length === 0) {
    throw new ModelhubError(
      'INVALID_ARGUMENT',
      'No inputs: the given folders hold no image, .txt or .wav files.',
      {
        hint: 'Pass files, or folders of PNG/JPEG/WebP images, .txt texts or .wav clips.',
      },
    );
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
    } else if (EXAMPLE.test(e.name)) {
      out.push(path);
    }
  }
  return out;
}
