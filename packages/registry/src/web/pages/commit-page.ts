import type { Commit, Repo, TreeFile } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { encodePath } from '../html/safe-url.ts';
import { formatBytes, timeTag } from './format.ts';
import { headPanel } from './head-panel.ts';
import type { HeadView } from './head-view.ts';
import { repoHeader } from './repo-header.ts';

/** How a path changed in a commit, against its parent. */
export interface FileChange {
  readonly path: string;
  readonly change: 'added' | 'modified' | 'deleted';
  readonly size: number;
  readonly lfs: boolean;
}

/** The files a commit added, modified or deleted relative to its parent's tree. */
export function changesOf(files: readonly TreeFile[], parentFiles: readonly TreeFile[]): FileChange[] {
  const before = new Map(parentFiles.map((f) => [f.path, f]));
  const changes: FileChange[] = [];
  for (const f of files) {
    const old = before.get(f.path);
    if (old === undefined) {
      changes.push({ path: f.path, change: 'added', size: f.size, lfs: f.lfs });
    } else if (old.gitOid !== f.gitOid) {
      changes.push({ path: f.path, change: 'modified', size: f.size, lfs: f.lfs });
    }
    before.delete(f.path);
  }
  for (const f of before.values()) {
    changes.push({ path: f.path, change: 'deleted', size: f.size, lfs: f.lfs });
  }
  return changes.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** Everything the commit page shows. */
export interface CommitPageData {
  readonly repo: Repo;
  readonly commit: Commit;
  readonly changes: readonly FileChange[];
  /** The head at this commit, so the URL `hub push` prints shows what was pushed. */
  readonly head: HeadView | undefined;
}

/** `/{owner}/{repo}/commit/{sha}`: message, author, parent, changed files, and the head it holds. */
export function commitPage(d: CommitPageData): SafeHtml {
  const id = `${d.repo.namespace}/${d.repo.name}`;
  const c = d.commit;
  return html`${repoHeader(d.repo, 'commits', c.sha)}
    <h2>${c.title === '' ? '(no title)' : c.title}</h2>
    ${c.description !== '' && html`<pre class="message">${c.description}</pre>`}
    <dl class="facts">
      <dt>commit</dt>
      <dd><code class="sha">${c.sha}</code></dd>
      <dt>author</dt>
      <dd>${c.author}</dd>
      <dt>date</dt>
      <dd>${timeTag(c.createdAt)}</dd>
      <dt>parent</dt>
      <dd>
        ${c.parent === null ? 'none (first commit)' : html`<a href="/${id}/commit/${c.parent}"><code>${c.parent}</code></a>`}
      </dd>
    </dl>
    <p class="actions"><a class="button" href="/${id}/tree/${c.sha}">Browse files at this commit</a></p>
    <section aria-labelledby="changes-title">
      <h2 id="changes-title">${d.changes.length} changed ${d.changes.length === 1 ? 'file' : 'files'}</h2>
      <ul class="changes">
        ${d.changes.map(
          (ch) =>
            html`<li>
              <span class="badge change-${ch.change}">${ch.change}</span>
              ${ch.change === 'deleted' ? ch.path : html`<a href="/${id}/blob/${c.sha}/${encodePath(ch.path)}">${ch.path}</a>`}
              <span class="muted">${formatBytes(ch.size)}${ch.lfs ? ', LFS' : ''}</span>
            </li>`,
        )}
      </ul>
    </section>
    ${d.head !== undefined && headPanel(d.head)}`;
}
