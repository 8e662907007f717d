import type { AccessToken } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { timeTag } from './format.ts';

/** Everything the tokens page shows. */
export interface TokensPageData {
  readonly account: string;
  readonly tokens: readonly AccessToken[];
  /** The token this session was opened with (marked, and revoking it logs out). */
  readonly sessionTokenId: number;
  /** Whether the session may create and revoke tokens (it was opened with a write token). */
  readonly canManage: boolean;
  readonly csrf: string;
  /** A token just created: its secret, shown this once. */
  readonly created: { readonly name: string; readonly secret: string } | undefined;
  readonly message: string | undefined;
}

/** `/settings/tokens`: create (shown once), list with last use, revoke. */
export function tokensPage(d: TokensPageData): SafeHtml {
  return html`<h1>Access tokens</h1>
    <p>
      Tokens of <strong>${d.account}</strong>. Use them as <code>HF_TOKEN</code> with hub, huggingface_hub or
      @huggingface/hub. Only their sha256 is stored: a lost token cannot be shown again, only revoked.
    </p>
    ${d.message !== undefined && html`<p class="notice" role="status">${d.message}</p>`}
    ${
      d.created !== undefined &&
      html`<section class="new-token" aria-labelledby="new-token-title">
        <h2 id="new-token-title">New token “${d.created.name}”</h2>
        <p><strong>Copy it now: it will not be shown again.</strong></p>
        <pre id="new-token-value"><code>${d.created.secret}</code></pre>
        <button type="button" class="copy" data-copy="new-token-value">Copy</button>
        <p class="copy-status" role="status" aria-live="polite"></p>
      </section>`
    }
    <div class="table-wrap">
      <table class="tokens">
        <caption>
          ${d.tokens.length} ${d.tokens.length === 1 ? 'token' : 'tokens'}
        </caption>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col">role</th>
            <th scope="col">created</th>
            <th scope="col">last used</th>
            <th scope="col"><span class="visually-hidden">actions</span></th>
          </tr>
        </thead>
        <tbody>
          ${d.tokens.map(
            (t) =>
              html`<tr>
                <th scope="row">
                  ${t.displayName}${t.id === d.sessionTokenId && html` <span class="badge">this session</span>`}
                </th>
                <td>${t.role}</td>
                <td>${timeTag(t.createdAt)}</td>
                <td>${t.lastUsedAt == null ? 'never' : timeTag(t.lastUsedAt)}</td>
                <td>
                  ${
                    d.canManage &&
                    html`<form method="post" action="/settings/tokens/revoke" class="inline">
                      <input type="hidden" name="_csrf" value="${d.csrf}" />
                      <input type="hidden" name="id" value="${t.id}" />
                      <button type="submit" class="danger" aria-label="Revoke ${t.displayName}">
                        Revoke
                      </button>
                    </form>`
                  }
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>
    ${
      d.canManage
        ? html`<section aria-labelledby="create-title">
            <h2 id="create-title">Create a token</h2>
            <form method="post" action="/settings/tokens" class="stack">
              <input type="hidden" name="_csrf" value="${d.csrf}" />
              <label for="token-name">Name</label>
              <input id="token-name" name="name" type="text" required maxlength="100" placeholder="laptop" />
              <fieldset>
                <legend>Role</legend>
                <label
                  ><input type="radio" name="role" value="read" checked /> read: pull public and your private
                  models</label
                >
                <label
                  ><input type="radio" name="role" value="write" /> write: also push and create
                  repositories</label
                >
              </fieldset>
              <button type="submit">Create token</button>
            </form>
          </section>`
        : html`<p class="notice">
            This session was opened with a read token: log in with a write token to create or revoke tokens.
          </p>`
    }`;
}
