import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import type { Actor, Commit, Repo } from '../../domain/types.ts';
import { segmentsAfter } from '../../http/request-context.ts';
import { splitRevisionPath } from '../../repo/revision-path.ts';
import { blobPage, type BlobPreview } from '../pages/blob-page.ts';
import { changesOf, commitPage } from '../pages/commit-page.ts';
import { commitsPage } from '../pages/commits-page.ts';
import { pageNumber } from '../pages/pagination.ts';
import { repoKind } from '../pages/repo-kind.ts';
import { repoPage } from '../pages/repo-page.ts';
import { listFolder, treePage } from '../pages/tree-page.ts';
import type { WebData } from '../web-data.ts';
import { reservedNames } from './browse-routes.ts';
import { headManifestOf, headsOf, headViewOf } from './head-views.ts';
import { endpointOf, sendPage, viewerActor, type WebContext } from './web-context.ts';

const commitsPageSize = 50;
const previewBytes = 256 * 1024;
const pictureExtensions = /\.(png|jpe?g|gif|webp|avif|svg)$/i;

interface Located {
  readonly actor: Actor;
  readonly repo: Repo;
}

/** The repo named by the URL, if the viewer may read it; REPO_NOT_FOUND (a 404 page) otherwise. */
async function locateRepo(ctx: WebContext, request: FastifyRequest): Promise<Located | undefined> {
  const { namespace, name } = request.params as { namespace: string; name: string };
  if (reservedNames.has(namespace)) {
    return undefined;
  }
  const actor = await viewerActor(ctx, request);
  return { actor, repo: await ctx.data.repo(actor, namespace, name) };
}

/** The revision and path after `/{keyword}/` (revisions may hold `/`, as in `refs/pr/1`). */
async function revisionPath(
  data: WebData,
  request: FastifyRequest,
  repo: Repo,
  keyword: string,
): Promise<{ revision: string; path: string; commit: Commit }> {
  const refs = new Set((await data.refs(repo)).map((r) => r.name));
  const { revision, path } = splitRevisionPath(segmentsAfter(request, 2, keyword), (ref) => refs.has(ref));
  const commit = await data.resolve(repo, revision === '' ? 'main' : revision);
  return { revision: revision === '' ? 'main' : revision, path: path.replace(/^\/+|\/+$/g, ''), commit };
}

async function previewOf(data: WebData, file: Parameters<WebData['readBytes']>[0]): Promise<BlobPreview> {
  if (pictureExtensions.test(file.path)) {
    return { kind: 'image' };
  }
  const bytes = await data.readBytes(file, previewBytes);
  if (bytes.includes(0)) {
    return { kind: 'none', reason: 'A binary file: download it to look inside.' };
  }
  return { kind: 'text', text: bytes.toString('utf8'), truncated: file.size > previewBytes };
}

/** `/{owner}/{repo}` and its `/tree/`, `/blob/`, `/commits/` and `/commit/` pages. */
export function registerRepoPageRoutes(app: FastifyInstance, ctx: WebContext): void {
  const { data } = ctx;

  app.get('/:namespace/:name', async (request, reply) => {
    const found = await locateRepo(ctx, request);
    if (found === undefined) {
      return reply.callNotFound();
    }
    const { actor, repo } = found;
    const commit = await data.resolve(repo, 'main');
    const files = await data.files(commit);
    const readme = files.find((f) => f.path === 'README.md');
    const head = await headManifestOf(data, files);
    const [refs, card, headView, heads] = await Promise.all([
      data.refs(repo),
      readme === undefined ? undefined : data.card(repo, commit, readme),
      head !== undefined && 'manifest' in head
        ? headViewOf(data, actor, repo, commit, head.manifest, files)
        : undefined,
      head === undefined && repoKind(repo) === 'backbone' ? headsOf(data, actor, repo) : undefined,
    ]);
    return sendPage(ctx, request, reply, {
      title: `${repo.namespace}/${repo.name}`,
      body: repoPage({
        repo,
        commit,
        refs,
        card,
        head: headView,
        headProblem: head !== undefined && 'problem' in head ? head.problem : undefined,
        heads,
        modelhubBackbone: head === undefined && files.some((f) => f.path === 'modelhub.json'),
        endpoint: endpointOf(ctx, request),
      }),
    });
  });

  app.get('/:namespace/:name/tree/*', async (request, reply) => {
    const found = await locateRepo(ctx, request);
    if (found === undefined) {
      return reply.callNotFound();
    }
    const { repo } = found;
    const { revision, path, commit } = await revisionPath(data, request, repo, 'tree');
    const listing = listFolder(await data.files(commit), path);
    if (listing === undefined) {
      throw new ModelhubError('ENTRY_NOT_FOUND', `There is no folder ${path} at ${revision}.`, {
        details: { commit: commit.sha },
      });
    }
    const params = new URL(request.raw.url ?? '/', 'http://page.invalid').searchParams;
    return sendPage(ctx, request, reply, {
      title: `Files of ${repo.namespace}/${repo.name}`,
      body: treePage({
        repo,
        commit,
        revision,
        dir: path,
        listing,
        page: pageNumber(params.get('p') ?? undefined),
        params,
      }),
    });
  });

  app.get('/:namespace/:name/blob/*', async (request, reply) => {
    const found = await locateRepo(ctx, request);
    if (found === undefined) {
      return reply.callNotFound();
    }
    const { repo } = found;
    const { revision, path, commit } = await revisionPath(data, request, repo, 'blob');
    const file = await data.file(commit, path);
    return sendPage(ctx, request, reply, {
      title: `${path} · ${repo.namespace}/${repo.name}`,
      body: blobPage({ repo, commit, revision, file, preview: await previewOf(data, file) }),
    });
  });

  app.get('/:namespace/:name/commits/*', async (request, reply) => {
    const found = await locateRepo(ctx, request);
    if (found === undefined) {
      return reply.callNotFound();
    }
    const { repo } = found;
    const { revision } = await revisionPath(data, request, repo, 'commits');
    const params = new URL(request.raw.url ?? '/', 'http://page.invalid').searchParams;
    const page = pageNumber(params.get('p') ?? undefined);
    const history = await data.history(repo, revision, {
      offset: (page - 1) * commitsPageSize,
      limit: commitsPageSize,
    });
    const base = `/${repo.namespace}/${repo.name}/commits/${encodeURIComponent(revision)}`;
    return sendPage(ctx, request, reply, {
      title: `History of ${repo.namespace}/${repo.name}`,
      body: commitsPage({
        repo,
        revision,
        commits: history.commits,
        older: history.more ? `${base}?p=${page + 1}` : undefined,
        newer: page > 1 ? (page === 2 ? base : `${base}?p=${page - 1}`) : undefined,
      }),
    });
  });

  app.get('/:namespace/:name/commit/:sha', async (request, reply) => {
    const found = await locateRepo(ctx, request);
    if (found === undefined) {
      return reply.callNotFound();
    }
    const { actor, repo } = found;
    const { sha } = request.params as { sha: string };
    if (!/^[0-9a-f]{5,40}$/.test(sha)) {
      throw new ModelhubError('REVISION_NOT_FOUND', `${sha} is not a commit sha.`);
    }
    const commit = await data.resolve(repo, sha);
    const files = await data.files(commit);
    const parent = commit.parent === null ? undefined : await data.commit(repo, commit.parent);
    const head = await headManifestOf(data, files);
    return sendPage(ctx, request, reply, {
      title: `${commit.title} · ${repo.namespace}/${repo.name}`,
      body: commitPage({
        repo,
        commit,
        changes: changesOf(files, parent === undefined ? [] : await data.files(parent)),
        head:
          head !== undefined && 'manifest' in head
            ? await headViewOf(data, actor, repo, commit, head.manifest, files)
            : undefined,
      }),
    });
  });
}
