import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import type { RepoSort } from '../../domain/types.ts';
import { ownerPage } from '../pages/owner-page.ts';
import { pageNumber } from '../pages/pagination.ts';
import { headTag } from '../pages/repo-kind.ts';
import { searchPage, type SearchParams } from '../pages/search-page.ts';
import { endpointOf, sendPage, viewerActor, type WebContext } from './web-context.ts';

/** Results per page of the search and owner pages. */
export const searchPageSize = 30;

/** Names that are pages of their own, never owners (as on huggingface.co). */
export const reservedNames = new Set([
  'api',
  'models',
  'datasets',
  'spaces',
  'login',
  'logout',
  'settings',
  '-',
]);

function queryOf(request: FastifyRequest): URLSearchParams {
  return new URL(request.raw.url ?? '/', 'http://page.invalid').searchParams;
}

function param(query: URLSearchParams, name: string): string {
  return (query.get(name) ?? '').trim().slice(0, 200);
}

/** The search parameters of a URL; unknown values fall back to "any". */
export function searchParamsOf(query: URLSearchParams): SearchParams {
  const library = param(query, 'library');
  const kind = param(query, 'kind');
  const sort = param(query, 'sort');
  return {
    search: param(query, 'search'),
    library: library === 'onnx' || library === 'tfjs' ? library : '',
    kind: kind === 'head' || kind === 'backbone' ? kind : '',
    base: param(query, 'base'),
    task: param(query, 'task'),
    sort: sort === 'updated' || sort === 'name' ? sort : 'downloads',
  };
}

const sortOf: Readonly<Record<SearchParams['sort'], { sort: RepoSort; descending: boolean }>> = {
  downloads: { sort: 'downloads', descending: true },
  updated: { sort: 'lastModified', descending: true },
  name: { sort: 'id', descending: false },
};

/** `/`, `/models` (search with facets) and `/{owner}`. */
export function registerBrowseRoutes(app: FastifyInstance, ctx: WebContext): void {
  const search = async (request: FastifyRequest, reply: Parameters<typeof sendPage>[2]) => {
    const query = queryOf(request);
    const params = searchParamsOf(query);
    const page = pageNumber(query.get('p') ?? undefined);
    const tags = [
      ...(params.library === '' ? [] : [params.library]),
      ...(params.kind === 'head' ? [headTag] : []),
      ...(params.base === '' ? [] : [`base_model:${params.base}`]),
    ];
    const result = await ctx.data.search(await viewerActor(ctx, request), {
      ...(params.search === '' ? {} : { search: params.search }),
      ...(params.task === '' ? {} : { pipelineTag: params.task }),
      tags,
      ...(params.kind === 'backbone' ? { excludeTags: [headTag] } : {}),
      ...sortOf[params.sort],
      offset: (page - 1) * searchPageSize,
      limit: searchPageSize,
    });
    return sendPage(ctx, request, reply, {
      title: params.search === '' ? 'Models' : `Models matching ${params.search}`,
      search: params.search,
      body: searchPage({
        params,
        query,
        repos: result.repos,
        total: result.total,
        page,
        pageSize: searchPageSize,
        endpoint: endpointOf(ctx, request),
      }),
    });
  };
  app.get('/', search);
  app.get('/models', search);

  app.get('/:namespace', async (request, reply) => {
    const { namespace } = request.params as { namespace: string };
    if (reservedNames.has(namespace)) {
      return reply.callNotFound();
    }
    const account = await ctx.data.account(namespace);
    if (account === undefined) {
      throw new ModelhubError('REPO_NOT_FOUND', `There is no user or organisation named ${namespace}.`, {
        hint: 'Check the spelling, or search the models.',
      });
    }
    const query = queryOf(request);
    const page = pageNumber(query.get('p') ?? undefined);
    const result = await ctx.data.search(await viewerActor(ctx, request), {
      author: namespace,
      tags: [],
      sort: 'lastModified',
      descending: true,
      offset: (page - 1) * searchPageSize,
      limit: searchPageSize,
    });
    return sendPage(ctx, request, reply, {
      title: namespace,
      body: ownerPage({
        account,
        repos: result.repos,
        total: result.total,
        page,
        pageSize: searchPageSize,
        query,
      }),
    });
  });
}
