/**
 * Escape-by-default HTML: every page is built with the {@link html} tagged template, which escapes
 * each interpolated value unless it is already {@link SafeHtml} (the output of another `html`
 * template, or the sanitized model card). No page builds HTML by concatenating strings.
 */

const brand = Symbol('modelhub.safe-html');

/** A piece of markup that is safe to place in a page as it is. */
export interface SafeHtml {
  readonly [brand]: true;
  readonly text: string;
}

/** What a template may interpolate: text and numbers are escaped, lists are joined, nothing renders as ''. */
export type HtmlValue =
  SafeHtml | string | number | bigint | boolean | null | undefined | readonly HtmlValue[];

const replacements: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for element content and for quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"'`]/g, (c) => replacements[c] ?? c);
}

function wrap(text: string): SafeHtml {
  return { [brand]: true, text };
}

/** Whether a value is markup made by this module. */
export function isSafeHtml(value: unknown): value is SafeHtml {
  return typeof value === 'object' && value !== null && (value as { [brand]?: unknown })[brand] === true;
}

function render(value: HtmlValue): string {
  if (typeof value === 'string') {
    return escapeHtml(value);
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    return value.toString();
  }
  if (value === null || value === undefined || typeof value === 'boolean') {
    return '';
  }
  if (isSafeHtml(value)) {
    return value.text;
  }
  if (Array.isArray(value)) {
    return (value as readonly HtmlValue[]).map(render).join('');
  }
  // Anything else came through a type assertion: show it as inert text, never as markup.
  return escapeHtml(Object.prototype.toString.call(value));
}

/**
 * The template tag: `html`<a href="${url}">${name}</a>`` escapes `url` and `name`. Booleans,
 * null and undefined render nothing, so `${cond && html`…`}` works.
 */
export function html(strings: TemplateStringsArray, ...values: readonly HtmlValue[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) {
    out += render(values[i]) + (strings[i + 1] ?? '');
  }
  return wrap(out);
}

/**
 * Marks markup as safe without escaping it. Only two callers may use it: the card renderer, for
 * the output of the sanitizer, and the page shell, for the document type. Anything else is a bug.
 */
export function trustedHtml(markup: string): SafeHtml {
  return wrap(markup);
}
