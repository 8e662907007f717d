import { html, type SafeHtml } from '../html/html.ts';

/** The body of an error page: what happened, and what to do. The same 404 for "missing" and "private, not yours". */
export function errorBody(status: number, message: string, hint: string | undefined): SafeHtml {
  return html`<div class="error-page">
    <h1>${status === 404 ? '404: not found' : status === 403 ? '403: forbidden' : `Error ${status}`}</h1>
    <p>${message}</p>
    ${hint !== undefined && html`<p class="muted">${hint}</p>`}
    <p><a href="/models">Browse models</a></p>
  </div>`;
}
