import type { Repo } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { formatCount, timeTag } from './format.ts';
import { baseModelOf, libraryOf, repoKind } from './repo-kind.ts';

/** A "private" badge, shown only to people who can see the repo anyway. */
export function privateBadge(repo: Repo): SafeHtml {
  return html`${repo.private && html`<span class="badge private" title="Only its owners can see this repository">private</span>`}`;
}

/** One result line: id, kind, library, task, base, downloads, last update. */
function repoItem(repo: Repo): SafeHtml {
  const id = `${repo.namespace}/${repo.name}`;
  const library = libraryOf(repo);
  const task = repo.discovery.pipelineTag;
  const base = baseModelOf(repo);
  const kind = repoKind(repo);
  return html`<li class="repo">
    <h3><a href="/${id}">${id}</a> ${privateBadge(repo)}</h3>
    <p class="facts">
      <a class="badge kind-${kind}" href="/models?kind=${kind}">${kind}</a>
      ${library !== undefined && html`<a class="badge" href="/models?library=${encodeURIComponent(library)}">${library}</a>`}
      ${task !== null && html`<a class="badge" href="/models?task=${encodeURIComponent(task)}">${task}</a>`}
      ${base !== undefined && html`<span>base <a href="/models?base=${encodeURIComponent(base)}">${base}</a></span>`}
      <span title="all-time downloads">${formatCount(repo.downloads)} downloads</span>
      <span>updated ${timeTag(repo.lastModified)}</span>
    </p>
  </li>`;
}

/** A list of repos, or a sentence when there are none. */
export function repoList(repos: readonly Repo[], empty: SafeHtml): SafeHtml {
  if (repos.length === 0) {
    return empty;
  }
  return html`<ol class="repos">
    ${repos.map(repoItem)}
  </ol>`;
}
