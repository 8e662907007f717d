import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

import sharp from 'sharp';

/** A word rendered black on white, `height` px high, as PNG (or JPEG) bytes. */
export async function renderText(
  text: string,
  options: { height?: number; width?: number; rotate180?: boolean; format?: 'png' | 'jpeg' } = {},
): Promise<Buffer> {
  const h = options.height ?? 48;
  const w = options.width ?? Math.round(h * 0.62 * text.length + 20);
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}"><rect width="100%" height="100%" fill="white"/><text x="10" y="${Math.round(h * 0.72)}" font-family="DejaVu Sans, sans-serif" font-size="${Math.round(h * 0.6)}" fill="black">${text}</text></svg>`;
  let img = sharp(Buffer.from(svg));
  if (options.rotate180 === true) {
    img = sharp(await img.png().toBuffer()).rotate(180);
  }
  return options.format === 'jpeg' ? img.jpeg({ quality: 92 }).toBuffer() : img.png().toBuffer();
}

/** Writes rendered words as `<word>.png` into `dir` and returns the paths. */
export async function writeWords(dir: string, words: readonly string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  return Promise.all(
    words.map(async (w) => {
      const path = join(dir, `${w}.png`);
      await writeFile(path, await renderText(w));
      return path;
    }),
  );
}
