import type { Commit, Repo, TreeFile } from '../../domain/types.ts';
import { html, type SafeHtml } from '../html/html.ts';
import { encodePath } from '../html/safe-url.ts';
import { formatBytes, shortSha, timeTag } from './format.ts';
import { pagination } from './pagination.ts';
import { repoHeader } from './repo-header.ts';

/** A folder inside the listed one. */
export interface TreeDir {
  readonly name: string;
  readonly path: string;
  readonly files: number;
  readonly size: number;
}

/** The entries of one folder of a commit: sub-folders, then files. */
export interface TreeListing {
  readonly dirs: readonly TreeDir[];
  readonly files: readonly TreeFile[];
}

/** Splits a commit's flat file list into the direct children of `dir` ('' = the root), or undefined if no such folder. */
export function listFolder(files: readonly TreeFile[], dir: string): TreeListing | undefined {
  const prefix = dir === '' ? '' : `${dir}/`;
  const dirs = new Map<string, { files: number; size: number }>();
  const direct: TreeFile[] = [];
  for (const file of files) {
    if (!file.path.startsWith(prefix)) {
      continue;
    }
    const rest = file.path.slice(prefix.length);
    const slash = rest.indexOf('/');
    if (slash < 0) {
      direct.push(file);
    } else {
      const name = rest.slice(0, slash);
      const entry = dirs.get(name) ?? { files: 0, size: 0 };
      dirs.set(name, { files: entry.files + 1, size: entry.size + file.size });
    }
  }
  if (dir !== '' && direct.length === 0 && dirs.size === 0) {
    return undefined;
  }
  return {
    dirs: [...dirs].map(([name, e]) => ({ name, path: `${prefix}${name}`, ...e })),
    files: direct,
  };
}

/** Entries per page of a folder listing. */
export const treePageSize = 200;

/** Everything the files page shows. */
export interface TreePageData {
  readonly repo: Repo;
  readonly commit: Commit;
  /** The revision as the URL named it (a branch, a tag or a sha). */
  readonly revision: string;
  readonly dir: string;
  readonly listing: TreeListing;
  readonly page: number;
  readonly params: URLSearchParams;
}

function breadcrumbs(id: string, rev: string, dir: string): SafeHtml {
  const parts = dir === '' ? [] : dir.split('/');
  return html`<nav class="breadcrumbs" aria-label="Folder">
    <a href="/${id}/tree/${rev}">${id.split('/')[1] ?? id}</a>${parts.map(
      (part, i) =>
        html` / <a href="/${id}/tree/${rev}/${encodePath(parts.slice(0, i + 1).join('/'))}">${part}</a>`,
    )}
  </nav>`;
}

/** `/{owner}/{repo}/tree/{rev}/{path}`: folders and files with size, LFS badge and the full sha256. */
export function treePage(d: TreePageData): SafeHtml {
  const id = `${d.repo.namespace}/${d.repo.name}`;
  const rev = encodeURIComponent(d.revision);
  const rows = [
    ...d.listing.dirs.map((dir) => ({ dir, file: undefined })),
    ...d.listing.files.map((file) => ({ dir: undefined, file })),
  ];
  const pageCount = Math.max(1, Math.ceil(rows.length / treePageSize));
  const shown = rows.slice((d.page - 1) * treePageSize, d.page * treePageSize);
  const total =
    d.listing.files.reduce((a, f) => a + f.size, 0) + d.listing.dirs.reduce((a, x) => a + x.size, 0);
  return html`${repoHeader(d.repo, 'files', d.revision)}
    <p>
      At <a href="/${id}/commit/${d.commit.sha}"><code>${d.commit.sha}</code></a> (${d.revision}),
      ${timeTag(d.commit.createdAt)}: ${d.commit.title}
    </p>
    ${breadcrumbs(id, rev, d.dir)}
    <p class="note">
      hub pull checks every file against the sha256 listed here before it becomes visible in a snapshot.
    </p>
    <div class="table-wrap">
      <table class="files">
        <caption>
          ${rows.length} entries, ${formatBytes(total)}
        </caption>
        <thead>
          <tr>
            <th scope="col">name</th>
            <th scope="col" class="num">size</th>
            <th scope="col">storage</th>
            <th scope="col">sha256</th>
            <th scope="col">last change</th>
          </tr>
        </thead>
        <tbody>
          ${shown.map(({ dir, file }) =>
            dir !== undefined
              ? html`<tr>
                  <th scope="row"><a href="/${id}/tree/${rev}/${encodePath(dir.path)}">${dir.name}/</a></th>
                  <td class="num">${formatBytes(dir.size)}</td>
                  <td>${dir.files} files</td>
                  <td></td>
                  <td></td>
                </tr>`
              : file !== undefined
                ? html`<tr>
                    <th scope="row">
                      <a href="/${id}/blob/${rev}/${encodePath(file.path)}"
                        >${file.path.slice(d.dir === '' ? 0 : d.dir.length + 1)}</a
                      >
                    </th>
                    <td class="num" title="${file.size} bytes">${formatBytes(file.size)}</td>
                    <td>
                      ${file.lfs ? html`<span class="badge lfs" title="Stored with Git LFS">LFS</span>` : 'git'}
                    </td>
                    <td><code class="sha">${file.sha256}</code></td>
                    <td>
                      <a href="/${id}/commit/${file.lastCommit}"><code>${shortSha(file.lastCommit)}</code></a>
                    </td>
                  </tr>`
                : html``,
          )}
        </tbody>
      </table>
    </div>
    ${pagination(`/${id}/tree/${rev}${d.dir === '' ? '' : `/${encodePath(d.dir)}`}`, d.params, d.page, pageCount)}`;
}
