import { html, trustedHtml, type HtmlValue, type SafeHtml } from '../html/html.ts';
import { staticUrl } from '../routes/static-files.ts';

/** Who is looking at a page: nobody, or a logged-in account. */
export interface Viewer {
  readonly name: string;
  /** The role of the token the session was opened with. */
  readonly role: 'read' | 'write';
  /** A CSRF token for the forms of this page (logout, tokens). */
  readonly csrf: string;
}

/** What every page passes to the shell. */
export interface PageOptions {
  readonly title: string;
  readonly viewer: Viewer | undefined;
  readonly body: HtmlValue;
  /** The search box's current text. */
  readonly search?: string;
  /** The path the login link should come back to. */
  readonly path?: string;
}

function header(options: PageOptions): SafeHtml {
  const { viewer } = options;
  const account =
    viewer === undefined
      ? html`<a href="/login${options.path === undefined ? '' : `?next=${encodeURIComponent(options.path)}`}"
          >Log in</a
        >`
      : html`<a href="/${viewer.name}">${viewer.name}</a>
          <a href="/settings/tokens">Access tokens</a>
          <form method="post" action="/logout" class="inline">
            <input type="hidden" name="_csrf" value="${viewer.csrf}" />
            <button type="submit" class="link">Log out</button>
          </form>`;
  return html`<header class="site">
    <a class="brand" href="/">modelhub</a>
    <form class="search" method="get" action="/models" role="search">
      <label for="site-search" class="visually-hidden">Search models</label>
      <input
        id="site-search"
        type="search"
        name="search"
        placeholder="Search models"
        value="${options.search ?? ''}"
      />
      <button type="submit">Search</button>
    </form>
    <nav aria-label="Account"><a href="/models">Models</a> ${account}</nav>
  </header>`;
}

/**
 * The page shell: one stylesheet and one deferred script, both same-origin files (the CSP allows
 * nothing inline), a skip link, the site header with search, and the page's main content.
 */
export function page(options: PageOptions): SafeHtml {
  return html`${trustedHtml('<!doctype html>')}
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="light dark" />
        <title>${options.title} · modelhub</title>
        <link rel="stylesheet" href="${staticUrl('modelhub.css')}" />
        <script src="${staticUrl('copy.js')}" defer></script>
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header(options)}
        <main id="main" tabindex="-1">${options.body}</main>
        <footer class="site">
          <p>
            modelhub: a registry that speaks the Hugging Face Hub protocol. Every file is pinned by sha256.
          </p>
        </footer>
      </body>
    </html> `;
}
