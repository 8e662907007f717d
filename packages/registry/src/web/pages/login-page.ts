import { html, type SafeHtml } from '../html/html.ts';

/** `/login`: paste an access token (as on huggingface.co's token login). */
export function loginPage(csrf: string, next: string, problem: string | undefined): SafeHtml {
  return html`<div class="narrow">
    <h1>Log in</h1>
    <p>
      Paste an access token of this registry (it starts with <code>hf_</code>). The browser session gets that
      token's rights and ends when you log out or the token is revoked.
    </p>
    ${problem !== undefined && html`<p class="error" role="alert" id="login-problem">${problem}</p>`}
    <form method="post" action="/login" class="stack">
      <input type="hidden" name="_csrf" value="${csrf}" />
      <input type="hidden" name="next" value="${next}" />
      <label for="token">Access token</label>
      <input
        id="token"
        name="token"
        type="password"
        autocomplete="off"
        spellcheck="false"
        required
        pattern="hf_[A-Za-z0-9]+"
        ${problem !== undefined ? html`aria-describedby="login-problem"` : ''}
      />
      <button type="submit">Log in</button>
    </form>
    <p class="muted">
      No token yet? An operator creates one with <code>hub token create --data DIR --user NAME --write</code>.
    </p>
  </div>`;
}

/** `/logout` opened by its URL: a button, because logging out changes state and needs a POST. */
export function logoutPage(csrf: string): SafeHtml {
  return html`<div class="narrow">
    <h1>Log out</h1>
    <form method="post" action="/logout">
      <input type="hidden" name="_csrf" value="${csrf}" /><button type="submit">Log out</button>
    </form>
  </div>`;
}
