import MarkdownIt from 'markdown-it';

import { trustedHtml, type SafeHtml } from '../html/html.ts';
import { splitFrontMatter } from './front-matter.ts';
import { sanitizeCard, type CardLinkBase } from './sanitize-card.ts';

/** A model card ready for a page. */
export interface RenderedCard {
  /** The YAML front matter (untrusted values: templates escape them like any other text). */
  readonly data: Readonly<Record<string, unknown>>;
  /** The Markdown body as sanitized HTML. */
  readonly body: SafeHtml;
  /** Why the front matter could not be read, if it could not. */
  readonly problem: string | undefined;
}

// Raw HTML is on because Hub cards use it (centred titles, badges, <details>); the sanitizer, not
// the Markdown parser, decides what survives. markdown-it's own link check still refuses
// javascript:, vbscript:, file: and most data: URLs in Markdown links.
const markdown = new MarkdownIt({ html: true, linkify: true, typographer: false });

/** Cards larger than this are shown as text after the first part (a card is prose, not a data set). */
export const maxCardBytes = 512 * 1024;

/**
 * Renders README.md for a page: front matter parsed with `yaml`, the body through markdown-it with
 * raw HTML allowed, then the sanitize-html allow-list, with relative links pointing into the repo
 * at `base.commit`.
 */
export function renderCard(readme: string, base: CardLinkBase): RenderedCard {
  const card = splitFrontMatter(readme.length > maxCardBytes ? readme.slice(0, maxCardBytes) : readme);
  return {
    data: card.data,
    body: trustedHtml(sanitizeCard(markdown.render(card.body), base)),
    problem: card.problem,
  };
}
