import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import { toApiFileEntry, toApiModelInfo, toApiTree } from '../../api/convert.ts';
import {
  BranchBody,
  CreateRepoBody,
  DeleteRepoBody,
  PathsInfoBody,
  SettingsBody,
  TagBody,
} from '../../api/api-schemas.ts';
import type { Commit, Repo, RepoSort, RepoType } from '../../domain/types.ts';
import { discoveryOf } from '../../repo/model-card.ts';
import { splitRevisionPath } from '../../repo/revision-path.ts';
import {
  actorOf,
  baseUrlOf,
  decodeCursor,
  encodeCursor,
  queryList,
  queryOne,
  repoKinds,
  segmentsAfter,
  setNextLink,
  sync,
  type RouteContext,
} from '../request-context.ts';

const sorts: Readonly<Record<string, RepoSort>> = {
  id: 'id',
  createdAt: 'createdAt',
  created_at: 'createdAt',
  lastModified: 'lastModified',
  last_modified: 'lastModified',
  downloads: 'downloads',
  likes: 'likes',
  likes30d: 'likes',
  trendingScore: 'downloads',
  trending_score: 'downloads',
};

const treePageSize = 1000;

function repoParams(request: FastifyRequest): { namespace: string; name: string } {
  return request.params as { namespace: string; name: string };
}

function truthy(value: string | boolean | undefined): boolean {
  return value === true || value === 'true' || value === '1';
}

function modelInfoOf(
  ctx: RouteContext,
  request: FastifyRequest,
  repo: Repo,
  commit: Commit,
): ReturnType<typeof toApiModelInfo> {
  const expand = queryList(request, 'expand', 'expand[]');
  const needsFiles = expand.length === 0 || expand.includes('siblings');
  return toApiModelInfo(repo, commit, needsFiles ? ctx.registry.files(commit) : undefined, {
    expand,
    blobs: truthy(queryOne(request, 'blobs')),
    discovery: discoveryOf(commit.cardData),
  });
}

/** Model info, listing, tree, paths-info, repo create/delete, branches and tags (§4–§8). */
export function registerRepoRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx;

  app.post('/api/repos/create', async (request) => {
    const body = CreateRepoBody.parse(request.body);
    const isPrivate = body.visibility === undefined ? body.private === true : body.visibility !== 'public';
    const type: RepoType = body.type ?? 'model';
    const repo = await registry.createRepo(actorOf(ctx, request), {
      type,
      ...(body.organization == null ? {} : { namespace: body.organization }),
      name: body.name,
      private: isPrivate,
    });
    const id = `${repo.namespace}/${repo.name}`;
    const web = repoKinds.find((k) => k.type === type)?.web ?? '';
    return { url: `${baseUrlOf(ctx, request)}${web}/${id}`, id, name: id };
  });

  app.delete('/api/repos/delete', async (request, reply) => {
    const body = DeleteRepoBody.parse(request.body);
    const actor = actorOf(ctx, request);
    const namespace = body.organization ?? (actor.kind === 'account' ? actor.account.name : '');
    registry.deleteRepo(actor, body.type ?? 'model', namespace, body.name);
    return reply.code(200).send({});
  });

  for (const kind of repoKinds) {
    const repoPath = `${kind.api}/:namespace/:name`;
    const readable = (request: FastifyRequest): Repo => {
      const { namespace, name } = repoParams(request);
      return registry.readableRepo(actorOf(ctx, request), kind.type, namespace, name);
    };

    app.get(kind.api, async (request, reply) => {
      const limit = Math.min(Math.max(Number(queryOne(request, 'limit') ?? 1000) || 1000, 1), 1000);
      const offset = decodeCursor(queryOne(request, 'cursor'));
      const sortName = queryOne(request, 'sort');
      const direction = queryOne(request, 'direction');
      const sort = sortName === undefined ? 'id' : (sorts[sortName] ?? 'id');
      const search = queryList(request, 'search')[0];
      const author = queryOne(request, 'author');
      const pipelineTag = queryOne(request, 'pipeline_tag');
      const actor = actorOf(ctx, request);
      const { repos, more } = registry.listRepos(actor, {
        type: kind.type,
        ...(search === undefined ? {} : { search }),
        ...(author === undefined ? {} : { author }),
        ...(pipelineTag === undefined ? {} : { pipelineTag }),
        tags: queryList(request, 'filter', 'filter[]'),
        sort,
        // The Hub sorts descending by default; `direction=1` asks for ascending.
        descending: sortName !== undefined && direction !== '1',
        offset,
        limit,
      });
      const expand = queryList(request, 'expand', 'expand[]');
      const full = truthy(queryOne(request, 'full'));
      setNextLink(ctx, request, reply, more ? encodeCursor(offset + limit) : undefined);
      return repos.map((repo) => {
        const commit = registry.resolveRevision(repo, 'main');
        const info = toApiModelInfo(
          repo,
          commit,
          full || expand.includes('siblings') ? registry.files(commit) : undefined,
          {
            expand,
            discovery: repo.discovery,
          },
        );
        if (!full && expand.length === 0) {
          // A listing item is short unless `full=true` (as on the Hub); cardData only when asked.
          const { cardData: _cardData, siblings: _siblings, ...short } = info;
          return truthy(queryOne(request, 'cardData')) ? { ...short, cardData: info.cardData } : short;
        }
        return info;
      });
    });

    app.get(
      repoPath,
      sync((request) => {
        const repo = readable(request);
        return modelInfoOf(ctx, request, repo, registry.resolveRevision(repo, 'main'));
      }),
    );

    app.get(
      `${repoPath}/revision/*`,
      sync((request) => {
        const repo = readable(request);
        const revision = segmentsAfter(request, 4, 'revision')
          .map((s) => decodeURIComponent(s))
          .join('/');
        return modelInfoOf(ctx, request, repo, registry.resolveRevision(repo, revision));
      }),
    );

    app.get(
      `${repoPath}/refs`,
      sync((request) => {
        const refs = registry.metadata.listRefs(readable(request).id);
        const shape = (kind: 'branch' | 'tag', prefix: string): unknown[] =>
          refs
            .filter((r) => r.kind === kind)
            .map((r) => ({ name: r.name, ref: `${prefix}${r.name}`, targetCommit: r.commit }));
        return { branches: shape('branch', 'refs/heads/'), tags: shape('tag', 'refs/tags/'), converts: [] };
      }),
    );

    const treeHandler = async (request: FastifyRequest, reply: FastifyReply): Promise<unknown> => {
      const repo = readable(request);
      const { revision, path } = splitRevisionPath(segmentsAfter(request, 4, 'tree'), (ref) =>
        registry.isRef(repo, ref),
      );
      const commit = registry.resolveRevision(repo, revision);
      const dir = path.replace(/^\/+|\/+$/g, '');
      const expand = truthy(queryOne(request, 'expand'));
      const lastCommitOf = expand
        ? (sha: string): Commit | undefined => registry.metadata.getCommit(repo.id, sha)
        : undefined;
      const entries = toApiTree(
        registry.files(commit),
        dir,
        truthy(queryOne(request, 'recursive')),
        lastCommitOf,
      );
      if (entries === undefined) {
        throw new ModelhubError('ENTRY_NOT_FOUND', `Entry not found: ${dir}`, {
          details: { commit: commit.sha },
        });
      }
      const offset = decodeCursor(queryOne(request, 'cursor'));
      const limit = Math.min(
        Math.max(Number(queryOne(request, 'limit') ?? treePageSize) || treePageSize, 1),
        treePageSize,
      );
      setNextLink(
        ctx,
        request,
        reply,
        offset + limit < entries.length ? encodeCursor(offset + limit) : undefined,
      );
      return entries.slice(offset, offset + limit);
    };
    app.get(`${repoPath}/tree/*`, treeHandler);

    app.post(
      `${repoPath}/paths-info/*`,
      sync((request) => {
        const repo = readable(request);
        const revision = segmentsAfter(request, 4, 'paths-info')
          .map((s) => decodeURIComponent(s))
          .join('/');
        const commit = registry.resolveRevision(repo, revision);
        const body = PathsInfoBody.parse(request.body);
        const expand = truthy(body.expand);
        const files = registry.files(commit);
        const byPath = new Map(files.map((f) => [f.path, f]));
        const out: unknown[] = [];
        for (const raw of body.paths) {
          const path = raw.replace(/^\/+|\/+$/g, '');
          const file = byPath.get(path);
          if (file !== undefined) {
            out.push(
              toApiFileEntry(
                file,
                expand ? registry.metadata.getCommit(repo.id, file.lastCommit) : undefined,
              ),
            );
            continue;
          }
          const dir = toApiTree(files, path, false, undefined);
          if (dir !== undefined && path !== '') {
            const parent = toApiTree(
              files,
              path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '',
              false,
              undefined,
            );
            const entry = parent?.find((e) => e.path === path);
            if (entry !== undefined) {
              out.push(entry);
            }
          }
        }
        return out;
      }),
    );

    app.post(`${repoPath}/branch/*`, async (request, reply) => {
      const repo = readable(request);
      const branch = segmentsAfter(request, 4, 'branch')
        .map((s) => decodeURIComponent(s))
        .join('/');
      const body = BranchBody.parse(request.body ?? {});
      registry.createBranch(actorOf(ctx, request), repo, branch, body.startingPoint, body.overwrite === true);
      return reply.code(200).send({});
    });

    app.post(`${repoPath}/tag/*`, async (request, reply) => {
      const repo = readable(request);
      const revision = segmentsAfter(request, 4, 'tag')
        .map((s) => decodeURIComponent(s))
        .join('/');
      const body = TagBody.parse(request.body);
      registry.createTag(actorOf(ctx, request), repo, body.tag, revision);
      return reply.code(200).send({});
    });

    app.put(`${repoPath}/settings`, async (request, reply) => {
      const { namespace, name } = repoParams(request);
      const body = SettingsBody.parse(request.body);
      const isPrivate = body.visibility === undefined ? body.private : body.visibility !== 'public';
      if (isPrivate !== undefined) {
        registry.setPrivate(actorOf(ctx, request), kind.type, namespace, name, isPrivate);
      }
      return reply.code(200).send({});
    });
  }
}
