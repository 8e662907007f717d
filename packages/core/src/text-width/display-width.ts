import { createRequire } from 'node:module';

import type stringWidthOf from 'string-width';

const requireHere = createRequire(import.meta.url);
let stringWidth: typeof stringWidthOf | undefined;

/**
 * Terminal columns, for tables whose cells hold user text (labels, model names): `"猫"` and `"🐶"`
 * take two columns, a combining accent none. `String.length` counts UTF-16 units and misaligns
 * them. `string-width` applies Unicode's East Asian Width and emoji rules per grapheme cluster; it
 * is loaded (synchronously, `require` of an ES module) on the first call, not with this package:
 * its Unicode tables cost ~60 ms of CPU, which every `hub` command paid at start-up and only the
 * ones that print tables need.
 */
export function displayWidth(text: string): number {
  stringWidth ??= (requireHere('string-width') as { default: typeof stringWidthOf }).default;
  return stringWidth(text);
}

/** `text` followed by spaces up to `width` columns. */
export function padEndColumns(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - displayWidth(text)));
}

/** Spaces, then `text`, up to `width` columns. */
export function padStartColumns(text: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(text))) + text;
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** `text` cut to at most `width` columns, ending with `…` when cut; never splits a character or emoji. */
export function truncateColumns(text: string, width: number): string {
  if (displayWidth(text) <= width) {
    return text;
  }
  let out = '';
  let used = 0;
  for (const { segment } of graphemes.segment(text)) {
    const w = displayWidth(segment);
    if (used + w > width - 1) {
      break;
    }
    out += segment;
    used += w;
  }
  return `${out}…`;
}
