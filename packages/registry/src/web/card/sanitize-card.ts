import sanitizeHtml from 'sanitize-html';

/** Where a card's relative links and pictures point: the repo and the commit it was read at. */
export interface CardLinkBase {
  /** `/{namespace}/{name}` (models have no type prefix, as on the Hub). */
  readonly repoPath: string;
  /** The commit sha, so a card's links never drift to a later revision. */
  readonly commit: string;
}

const headings = ['h1', 'h2', 'h3', 'h4', 'h5', 'h6'];

/**
 * The tags a card may use: what GitHub and the Hub render from Markdown and the raw HTML cards
 * commonly carry (centred titles, `<details>`, tables). No forms, frames, media, scripts, styles,
 * `meta` or `base`.
 */
const allowedTags = [
  ...headings,
  'p', 'br', 'hr', 'blockquote', 'pre', 'code', 'kbd', 'samp', 'var', 'sub', 'sup', 'em', 'strong',
  'b', 'i', 'u', 's', 'del', 'ins', 'mark', 'small', 'abbr', 'ul', 'ol', 'li', 'dl', 'dt', 'dd',
  'table', 'thead', 'tbody', 'tfoot', 'tr', 'th', 'td', 'caption', 'a', 'img', 'details',
  'summary', 'div', 'span', 'center', 'picture',
]; // prettier-ignore

/**
 * Attributes by tag. Never `id` or `name` (DOM clobbering), `class`, `style`, `on*`, `hx-*` or
 * `data-*`: an attribute not listed here is dropped.
 */
const allowedAttributes: Record<string, string[]> = {
  a: ['href', 'title', 'rel'],
  img: ['src', 'alt', 'title', 'width', 'height', 'align'],
  td: ['colspan', 'rowspan', 'align'],
  th: ['colspan', 'rowspan', 'align', 'scope'],
  ol: ['start', 'reversed'],
  details: ['open'],
  abbr: ['title'],
  p: ['align'],
  div: ['align'],
  ...Object.fromEntries(headings.map((h) => [h, ['align']])),
};

const schemePattern = /^[a-z][a-z0-9+.-]*:/i;

/**
 * A relative link of the card, resolved inside the repo at the card's commit (`kind` = `blob` for
 * pages, `resolve` for bytes). Links that climb out of the repo are dropped.
 */
function inRepo(url: string, base: CardLinkBase, kind: 'blob' | 'resolve'): string | undefined {
  const prefix = `${base.repoPath}/${kind}/${base.commit}/`;
  const resolved = new URL(url, `http://card.invalid${prefix}`);
  const path = `${resolved.pathname}${resolved.search}${resolved.hash}`;
  return resolved.host === 'card.invalid' && path.startsWith(prefix) ? path : undefined;
}

function isRelative(url: string): boolean {
  return !schemePattern.test(url.trim()) && !url.startsWith('/') && !url.startsWith('#');
}

function isRemote(url: string): boolean {
  return /^https?:\/\//i.test(url.trim()) || url.trim().startsWith('//');
}

/**
 * Cleans the HTML that markdown-it made from a card (raw HTML included) against the allow-list,
 * rewrites relative links into the repo at the card's commit, and turns remote pictures into links
 * (pages load nothing from other hosts: no tracking pixels, and the registry may be offline).
 */
export function sanitizeCard(markup: string, base: CardLinkBase): string {
  return sanitizeHtml(markup, {
    allowedTags,
    allowedAttributes,
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: [] },
    allowProtocolRelative: false,
    allowedSchemesAppliedToAttributes: ['href', 'src'],
    disallowedTagsMode: 'discard',
    // Nesting deeper than this is not a card, it is an attempt to slow the parser or the page.
    nestingLimit: 64,
    transformTags: {
      center: () => ({ tagName: 'div', attribs: { align: 'center' } }),
      a: (_tag, attribs) => {
        const href = attribs['href'];
        if (href === undefined) {
          return { tagName: 'a', attribs: {} };
        }
        if (isRelative(href)) {
          const path = inRepo(href, base, 'blob');
          return { tagName: 'a', attribs: path === undefined ? {} : { href: path } };
        }
        const external = isRemote(href);
        return {
          tagName: 'a',
          attribs: { href, ...(external ? { rel: 'nofollow noopener noreferrer' } : {}) },
        };
      },
      img: (_tag, attribs) => {
        const src = attribs['src'] ?? '';
        const alt = attribs['alt'] ?? '';
        if (isRemote(src)) {
          return {
            tagName: 'a',
            attribs: { href: src, rel: 'nofollow noopener noreferrer' },
            text: `[image: ${alt === '' ? src : alt}]`,
          };
        }
        const path = isRelative(src)
          ? inRepo(src, base, 'resolve')
          : src.startsWith('/') && !src.startsWith('//')
            ? src
            : undefined;
        const kept: Record<string, string> = { alt };
        for (const name of ['title', 'width', 'height', 'align']) {
          const value = attribs[name];
          if (value !== undefined) {
            kept[name] = value;
          }
        }
        return { tagName: 'img', attribs: path === undefined ? kept : { ...kept, src: path } };
      },
    },
  });
}
