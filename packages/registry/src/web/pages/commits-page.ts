import type { Commit, Repo } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { shortSha, timeTag } from './format.ts';
import { repoHeader } from './repo-header.ts';

/** Everything the history page shows. */
export interface CommitsPageData {
  readonly repo: Repo;
  readonly revision: string;
  readonly commits: readonly Commit[];
  /** The link to the next (older) page, if there is one. */
  readonly older: string | undefined;
  readonly newer: string | undefined;
}

/** `/{owner}/{repo}/commits/{rev}`: the history of a revision, newest first. */
export function commitsPage(d: CommitsPageData): SafeHtml {
  const id = `${d.repo.namespace}/${d.repo.name}`;
  return html`${repoHeader(d.repo, 'commits', d.revision)}
    <h2>History of ${d.revision}</h2>
    <ol class="commits">
      ${d.commits.map(
        (c) =>
          html`<li>
            <a href="/${id}/commit/${c.sha}"><strong>${c.title === '' ? '(no title)' : c.title}</strong></a>
            <p class="facts">
              <code>${shortSha(c.sha)}</code> by ${c.author}, ${timeTag(c.createdAt)} ·
              <a href="/${id}/tree/${c.sha}">browse files</a>
            </p>
          </li>`,
      )}
    </ol>
    <nav class="pagination" aria-label="Pages">
      ${d.newer === undefined ? html`<span class="disabled">← Newer</span>` : html`<a rel="prev" href="${d.newer}">← Newer</a>`}
      ${d.older === undefined ? html`<span class="disabled">Older →</span>` : html`<a rel="next" href="${d.older}">Older →</a>`}
    </nav>`;
}
