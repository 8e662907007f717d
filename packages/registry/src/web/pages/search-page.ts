import type { Repo } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { formatCount } from './format.ts';
import { pagination } from './pagination.ts';
import { repoList } from './repo-list.ts';

/** The search form's parameters, as bookmarkable GET parameters. */
export interface SearchParams {
  readonly search: string;
  readonly library: string;
  readonly kind: string;
  readonly base: string;
  readonly task: string;
  readonly sort: 'downloads' | 'updated' | 'name';
}

/** Everything the search page shows. */
export interface SearchPageData {
  readonly params: SearchParams;
  readonly query: URLSearchParams;
  readonly repos: readonly Repo[];
  readonly total: number;
  readonly page: number;
  readonly pageSize: number;
  readonly endpoint: string;
}

function option(value: string, label: string, current: string): SafeHtml {
  return html`<option value="${value}" ${value === current ? html` selected` : ''}>${label}</option>`;
}

function facetLinks(
  name: keyof SearchParams,
  title: string,
  values: readonly [string, string][],
  query: URLSearchParams,
  current: string,
): SafeHtml {
  const href = (value: string): string => {
    const next = new URLSearchParams(query);
    next.delete('p');
    if (value === '') {
      next.delete(name);
    } else {
      next.set(name, value);
    }
    const text = next.toString();
    return text === '' ? '/models' : `/models?${text}`;
  };
  return html`<div class="facet">
    <h3>${title}</h3>
    <ul>
      ${values.map(
        ([value, label]) =>
          html`<li>
            <a href="${href(value)}" ${value === current ? html` aria-current="true"` : ''}>${label}</a>
          </li>`,
      )}
    </ul>
  </div>`;
}

/** `/` and `/models`: the search box, facets as GET parameters, sorted results and page links. */
export function searchPage(d: SearchPageData): SafeHtml {
  const p = d.params;
  const pageCount = Math.max(1, Math.ceil(d.total / d.pageSize));
  const empty = html`<div class="empty">
    <p>No model matches${p.search !== '' && html` “${p.search}”`}.</p>
    <p>Publish one to this registry:</p>
    <pre><code>export HF_TOKEN=hf_…   # hub token create --data DIR --user you --write
npx hub push ./my-model you/my-model --endpoint ${d.endpoint}</code></pre>
  </div>`;
  return html`<h1>Models</h1>
    <div class="search-layout">
      <aside class="filters" aria-label="Filters">
        <form method="get" action="/models" class="filter-form">
          <label for="f-search">Name contains</label>
          <input id="f-search" type="search" name="search" value="${p.search}" />
          <label for="f-library">Library</label>
          <select id="f-library" name="library">
            ${option('', 'any', p.library)}${option('onnx', 'ONNX', p.library)}${option('tfjs', 'TF.js', p.library)}
          </select>
          <label for="f-kind">Kind</label>
          <select id="f-kind" name="kind">
            ${option('', 'any', p.kind)}${option('backbone', 'backbones', p.kind)}${option('head', 'heads', p.kind)}
          </select>
          <label for="f-base">Base model</label>
          <input id="f-base" type="text" name="base" value="${p.base}" placeholder="namespace/name" />
          <label for="f-task">Task</label>
          <input id="f-task" type="text" name="task" value="${p.task}" placeholder="image-classification" />
          <label for="f-sort">Sort by</label>
          <select id="f-sort" name="sort">
            ${option('downloads', 'most downloads', p.sort)}${option('updated', 'recently updated', p.sort)}${option('name', 'name', p.sort)}
          </select>
          <button type="submit">Apply</button>
        </form>
        ${facetLinks(
          'library',
          'Library',
          [
            ['', 'any'],
            ['onnx', 'ONNX'],
            ['tfjs', 'TF.js'],
          ],
          d.query,
          p.library,
        )}
        ${facetLinks(
          'kind',
          'Kind',
          [
            ['', 'any'],
            ['backbone', 'backbones'],
            ['head', 'heads'],
          ],
          d.query,
          p.kind,
        )}
        ${facetLinks(
          'sort',
          'Sort',
          [
            ['downloads', 'most downloads'],
            ['updated', 'recently updated'],
            ['name', 'name'],
          ],
          d.query,
          p.sort,
        )}
      </aside>
      <section class="results" aria-labelledby="results-title">
        <h2 id="results-title">
          ${formatCount(d.total)}
          ${d.total === 1 ? 'model' : 'models'}${p.search !== '' && html` matching “${p.search}”`}
        </h2>
        ${repoList(d.repos, empty)} ${pagination('/models', d.query, d.page, pageCount)}
      </section>
    </div>`;
}
