import { html, type SafeHtml } from '../html/html.ts';

/** Page links that keep every other parameter of the current URL (so a search stays bookmarkable). */
export function pagination(path: string, params: URLSearchParams, page: number, pageCount: number): SafeHtml {
  if (pageCount <= 1) {
    return html``;
  }
  const link = (n: number): string => {
    const next = new URLSearchParams(params);
    if (n === 1) {
      next.delete('p');
    } else {
      next.set('p', String(n));
    }
    const query = next.toString();
    return query === '' ? path : `${path}?${query}`;
  };
  return html`<nav class="pagination" aria-label="Pages">
    ${page > 1 ? html`<a rel="prev" href="${link(page - 1)}">← Previous</a>` : html`<span class="disabled">← Previous</span>`}
    <span>Page ${page} of ${pageCount}</span>
    ${page < pageCount ? html`<a rel="next" href="${link(page + 1)}">Next →</a>` : html`<span class="disabled">Next →</span>`}
  </nav>`;
}

/** The 1-based page number in `?p=`, clamped to a sane range. */
export function pageNumber(value: string | undefined): number {
  const n = Number(value ?? '1');
  return Number.isSafeInteger(n) && n >= 1 && n <= 100_000 ? n : 1;
}
