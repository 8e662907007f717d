import type { Repo } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { libraryOf, repoKind } from './repo-kind.ts';
import { privateBadge } from './repo-list.ts';

/** The tabs of a repo's pages. */
export type RepoTab = 'card' | 'files' | 'commits';

/** The repo's title line, its facts as badges, and the tabs (the current one marked for screen readers). */
export function repoHeader(repo: Repo, tab: RepoTab | undefined, revision = 'main'): SafeHtml {
  const id = `${repo.namespace}/${repo.name}`;
  const rev = encodeURIComponent(revision);
  const tabs: readonly [RepoTab, string, string][] = [
    ['card', 'Model card', `/${id}`],
    ['files', 'Files', `/${id}/tree/${rev}`],
    ['commits', 'Commits', `/${id}/commits/${rev}`],
  ];
  const library = libraryOf(repo);
  const kind = repoKind(repo);
  return html`<div class="repo-header">
    <h1>
      <a href="/${repo.namespace}">${repo.namespace}</a> /
      <a href="/${id}">${repo.name}</a> ${privateBadge(repo)}
    </h1>
    <p class="facts">
      <a class="badge kind-${kind}" href="/models?kind=${kind}">${kind}</a>
      ${library !== undefined && html`<a class="badge" href="/models?library=${encodeURIComponent(library)}">${library}</a>`}
      ${repo.discovery.pipelineTag !== null && html`<a class="badge" href="/models?task=${encodeURIComponent(repo.discovery.pipelineTag)}">${repo.discovery.pipelineTag}</a>`}
    </p>
    <nav class="tabs" aria-label="Repository">
      ${tabs.map(([key, label, href]) => html`<a href="${href}" ${key === tab ? html` aria-current="page"` : ''}>${label}</a>`)}
    </nav>
  </div>`;
}
