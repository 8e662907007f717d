import type { Commit, Repo, TreeFile } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { encodePath } from '../html/safe-url.ts';
import { formatBytes, formatCount, shortSha } from './format.ts';
import { repoHeader } from './repo-header.ts';

/** How a file is previewed: as text (escaped), as a picture through `<img>`, or not at all. */
export type BlobPreview =
  | { readonly kind: 'text'; readonly text: string; readonly truncated: boolean }
  | { readonly kind: 'image' }
  | { readonly kind: 'none'; readonly reason: string };

/** Everything the file page shows. */
export interface BlobPageData {
  readonly repo: Repo;
  readonly commit: Commit;
  readonly revision: string;
  readonly file: TreeFile;
  readonly preview: BlobPreview;
}

/** `/{owner}/{repo}/blob/{rev}/{path}`: the file's hashes and size, a preview, download links pinned to the commit. */
export function blobPage(d: BlobPageData): SafeHtml {
  const id = `${d.repo.namespace}/${d.repo.name}`;
  const path = encodePath(d.file.path);
  const resolve = `/${id}/resolve/${d.commit.sha}/${path}`;
  const folder = d.file.path.includes('/') ? d.file.path.slice(0, d.file.path.lastIndexOf('/')) : '';
  return html`${repoHeader(d.repo, 'files', d.revision)}
    <nav class="breadcrumbs" aria-label="Folder">
      <a href="/${id}/tree/${encodeURIComponent(d.revision)}${folder === '' ? '' : `/${encodePath(folder)}`}"
        >← ${folder === '' ? 'all files' : folder}</a
      >
    </nav>
    <h2 class="path">${d.file.path}</h2>
    <dl class="facts">
      <dt>size</dt>
      <dd>${formatBytes(d.file.size)} (${formatCount(d.file.size)} bytes)</dd>
      <dt>sha256</dt>
      <dd><code class="sha">${d.file.sha256}</code></dd>
      <dt>git oid</dt>
      <dd><code class="sha">${d.file.gitOid}</code></dd>
      <dt>storage</dt>
      <dd>
        ${d.file.lfs ? html`<span class="badge lfs">LFS</span> pointer in git, content by sha256` : 'git'}
      </dd>
      <dt>last change</dt>
      <dd>
        <a href="/${id}/commit/${d.file.lastCommit}"><code>${shortSha(d.file.lastCommit)}</code></a>
      </dd>
      <dt>at commit</dt>
      <dd>
        <a href="/${id}/commit/${d.commit.sha}"><code>${d.commit.sha}</code></a>
      </dd>
    </dl>
    <p class="actions">
      <a class="button" href="${resolve}">Download</a>
      <a class="button" href="/${id}/raw/${d.commit.sha}/${path}">Raw</a>
    </p>
    ${
      d.preview.kind === 'text'
        ? html`<pre
              class="file"
              tabindex="0"
              aria-label="Contents of ${d.file.path}"
            ><code>${d.preview.text}</code></pre>
            ${d.preview.truncated && html`<p class="muted">Preview cut at ${formatBytes(d.preview.text.length)}; download the file for the rest.</p>`}`
        : d.preview.kind === 'image'
          ? html`<figure class="file-image"><img src="${resolve}" alt="${d.file.path}" /></figure>`
          : html`<p class="muted">${d.preview.reason}</p>`
    }`;
}
