import type { Commit, Ref, Repo } from '../../domain/types.ts';
import type { RenderedCard } from '../card/render-card.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { formatCount, shortSha, timeTag } from './format.ts';
import { headPanel, headsList, type HeadSummary } from './head-panel.ts';
import type { HeadView } from './head-view.ts';
import { repoHeader } from './repo-header.ts';
import { useThisModel } from './use-snippets.ts';

/** Everything the model-card page of a repo shows. */
export interface RepoPageData {
  readonly repo: Repo;
  readonly commit: Commit;
  readonly refs: readonly Ref[];
  readonly card: RenderedCard | undefined;
  readonly head: HeadView | undefined;
  /** Why modelhub.json could not be shown, when it exists but is not a valid head manifest. */
  readonly headProblem: string | undefined;
  readonly heads: { readonly list: readonly HeadSummary[]; readonly total: number } | undefined;
  /** The repo carries a modelhub.json but is not a head: a backbone prepared for `hub train`. */
  readonly modelhubBackbone: boolean;
  readonly endpoint: string;
}

/** Front-matter values as badges: every value is plain text, escaped like the rest of the page. */
function cardFacts(data: Readonly<Record<string, unknown>>): SafeHtml {
  const shown = ['license', 'library_name', 'pipeline_tag', 'base_model', 'datasets', 'language', 'tags'];
  const values = (v: unknown): string[] =>
    (Array.isArray(v) ? v : [v])
      .filter((x) => typeof x === 'string' || typeof x === 'number' || typeof x === 'boolean')
      .map(String)
      .slice(0, 30);
  const rows = shown.flatMap((key) => {
    const list = values(data[key]);
    return list.length === 0
      ? []
      : [
          html`<dt>${key}</dt>
            <dd>${list.map((v) => html`<span class="chip">${v}</span> `)}</dd>`,
        ];
  });
  return rows.length === 0 ? html`` : html`<dl class="card-facts">${rows}</dl>`;
}

/** The branches and tags, each linking to its files. */
export function refList(repo: Repo, refs: readonly Ref[]): SafeHtml {
  const id = `${repo.namespace}/${repo.name}`;
  const group = (kind: Ref['kind'], title: string): SafeHtml => {
    const list = refs.filter((r) => r.kind === kind);
    return html`<h3>${title} (${list.length})</h3>
      ${
        list.length === 0
          ? html`<p class="muted">none</p>`
          : html`<ul class="refs">
              ${list.map(
                (r) =>
                  html`<li>
                    <a href="/${id}/tree/${encodeURIComponent(r.name)}">${r.name}</a>
                    <a href="/${id}/commit/${r.commit}"><code>${shortSha(r.commit)}</code></a>
                  </li>`,
              )}
            </ul>`
      }`;
  };
  return html`<section aria-labelledby="refs-title">
    <h2 id="refs-title">Branches and tags</h2>
    ${group('branch', 'Branches')}${group('tag', 'Tags')}
  </section>`;
}

/** How the download counter counts, said where the number is shown. */
export const downloadsDefinition =
  'All-time count of file downloads through /resolve/ (and /raw/): one per GET that starts at the first byte. ' +
  'HEAD requests, resumed ranges, README.md, .gitattributes and pictures (so page views) are not counted; ' +
  'a pull of a model with several files counts each file.';

/** `/{owner}/{repo}`: card, head or backbone extras, use-this-model, downloads, refs. */
export function repoPage(d: RepoPageData): SafeHtml {
  const id = `${d.repo.namespace}/${d.repo.name}`;
  return html`${repoHeader(d.repo, 'card')}
    <div class="repo-layout">
      <article class="card" aria-label="Model card">
        ${d.headProblem !== undefined && html`<p class="warning" role="note">${d.headProblem}</p>`}
        ${d.head !== undefined && headPanel(d.head)}
        ${d.heads !== undefined && (d.heads.total > 0 || d.modelhubBackbone) && headsList(d.heads.list, d.heads.total, id, d.commit.sha)}
        ${
          d.card === undefined
            ? html`<p class="muted">This repository has no model card (README.md) yet.</p>`
            : html`${d.card.problem !== undefined && html`<p class="warning" role="note">${d.card.problem}</p>`}
                ${cardFacts(d.card.data)}
                <div class="markdown">${d.card.body}</div>`
        }
      </article>
      <aside class="side">
        <section aria-labelledby="stats-title">
          <h2 id="stats-title">Downloads</h2>
          <p class="big">${formatCount(d.repo.downloads)}</p>
          <details>
            <summary>How downloads are counted</summary>
            <p>${downloadsDefinition}</p>
          </details>
          <p>
            Commit <a href="/${id}/commit/${d.commit.sha}"><code>${shortSha(d.commit.sha)}</code></a> on main,
            ${timeTag(d.commit.createdAt)}
          </p>
        </section>
        ${useThisModel({ repoId: id, commit: d.commit.sha, endpoint: d.endpoint, isPrivate: d.repo.private })}
        ${refList(d.repo, d.refs)}
      </aside>
    </div>`;
}
