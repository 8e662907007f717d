import type { Account, Repo } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { formatCount } from './format.ts';
import { pagination } from './pagination.ts';
import { repoList } from './repo-list.ts';

/** Everything an owner's page shows. */
export interface OwnerPageData {
  readonly account: Account;
  readonly repos: readonly Repo[];
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly query: URLSearchParams;
}

/** `/{owner}`: the repos of a user or organisation that the viewer may see. */
export function ownerPage(d: OwnerPageData): SafeHtml {
  const pageCount = Math.max(1, Math.ceil(d.total / d.pageSize));
  return html`<h1>
      ${d.account.name} <span class="badge">${d.account.type === 'org' ? 'organisation' : 'user'}</span>
    </h1>
    <section aria-labelledby="owner-models">
      <h2 id="owner-models">${formatCount(d.total)} ${d.total === 1 ? 'model' : 'models'}</h2>
      ${repoList(d.repos, html`<p class="muted">No models to show.</p>`)}
      ${pagination(`/${d.account.name}`, d.query, d.page, pageCount)}
    </section>`;
}
