import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ModelhubError, isModelhubError } from '@modelhub/core';

import { toApiCommitEntry, toApiFileEntry, toApiModelInfo, toApiRefs, toApiTree } from '../../api/convert.ts';
import {
  BranchBody,
  CreateRepoBody,
  DeleteRepoBody,
  MoveRepoBody,
  PathsInfoBody,
  SettingsBody,
  TagBody,
} from '../../api/api-schemas.ts';
import type { Commit, Repo, RepoSort, RepoType, TreeFile } from '../../domain/types.ts';
import { discoveryOf } from '../../repo/model-card.ts';
import { splitRevisionPath } from '../../repo/revision-path.ts';
import {
  actorOf,
  baseUrlOf,
  decodeCursor,
  encodeCursor,
  queryFlag,
  queryList,
  queryOne,
  repoKinds,
  segmentsAfter,
  setNextLink,
  type RouteContext,
} from '../request-context.ts';
import { headerSafe } from '../http-errors.ts';

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

async function modelInfoOf(
  ctx: RouteContext,
  request: FastifyRequest,
  repo: Repo,
  commit: Commit,
): Promise<ReturnType<typeof toApiModelInfo>> {
  const expand = queryList(request, 'expand', 'expand[]');
  const needsFiles = expand.length === 0 || expand.includes('siblings');
  return toApiModelInfo(repo, commit, needsFiles ? await ctx.registry.revisions.files(commit) : undefined, {
    expand,
    blobs: queryFlag(request, 'blobs'),
    discovery: discoveryOf(commit.cardData),
  });
}

/** The commits that last touched `files`, by sha (for `lastCommit` in tree entries). */
async function lastCommitsOf(
  ctx: RouteContext,
  repo: Repo,
  files: readonly TreeFile[],
): Promise<(sha: string) => Commit | undefined> {
  const bySha = await ctx.registry.revisions.lastCommits(repo, files);
  return (sha) => bySha.get(sha);
}

/** The web URL of a repo: `<base>[/datasets|/spaces]/<namespace>/<name>`. */
function repoUrlOf(ctx: RouteContext, request: FastifyRequest, type: RepoType, id: string): string {
  const web = repoKinds.find((k) => k.type === type)?.web ?? '';
  return `${baseUrlOf(ctx, request)}${web}/${id}`;
}

function revisionAfter(request: FastifyRequest, keyword: string): string {
  return segmentsAfter(request, 4, keyword)
    .map((s) => decodeURIComponent(s))
    .join('/');
}

/** Model info, listing, tree, paths-info, repo create/delete, branches and tags (§4–§8). */
export function registerRepoRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx;

  app.post('/api/repos/create', async (request, reply) => {
    const body = CreateRepoBody.parse(request.body);
    const isPrivate = body.visibility === undefined ? body.private === true : body.visibility !== 'public';
    const type: RepoType = body.type ?? 'model';
    const actor = await actorOf(ctx, request);
    try {
      const repo = await registry.repos.create(actor, {
        type,
        ...(body.organization == null ? {} : { namespace: body.organization }),
        name: body.name,
        private: isPrivate,
      });
      const id = `${repo.namespace}/${repo.name}`;
      return { url: repoUrlOf(ctx, request, type, id), id, name: id };
    } catch (error) {
      if (!isModelhubError(error) || error.code !== 'CONFLICT' || actor.kind === 'anonymous') {
        throw error;
      }
      // As on huggingface.co, the 409 names the existing repo: create_repo(exist_ok=True) in
      // huggingface_hub returns RepoUrl(body["url"]) after swallowing the 409.
      const existing = `${body.organization ?? actor.account.name}/${body.name}`;
      return reply
        .code(409)
        .header('x-error-message', headerSafe(error.message))
        .type('application/json')
        .send({ error: error.message, url: repoUrlOf(ctx, request, type, existing) });
    }
  });

  app.delete('/api/repos/delete', async (request, reply) => {
    const body = DeleteRepoBody.parse(request.body);
    const actor = await actorOf(ctx, request);
    const namespace = body.organization ?? (actor.kind === 'account' ? actor.account.name : '');
    await registry.repos.delete(actor, body.type ?? 'model', namespace, body.name);
    return reply.code(200).send({});
  });

  app.post('/api/repos/move', async (request) => {
    const body = MoveRepoBody.parse(request.body);
    const [fromNamespace = '', fromName = ''] = body.fromRepo.split('/');
    const [toNamespace = '', toName = ''] = body.toRepo.split('/');
    const type = body.type ?? 'model';
    const repo = await registry.repos.move(
      await actorOf(ctx, request),
      type,
      { namespace: fromNamespace, name: fromName },
      { namespace: toNamespace, name: toName },
    );
    return { url: repoUrlOf(ctx, request, type, `${repo.namespace}/${repo.name}`) };
  });

  for (const kind of repoKinds) {
    const repoPath = `${kind.api}/:namespace/:name`;
    const readable = async (request: FastifyRequest): Promise<Repo> => {
      const { namespace, name } = repoParams(request);
      return registry.access.readableRepo(await actorOf(ctx, request), kind.type, namespace, name);
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
      const actor = await actorOf(ctx, request);
      const { repos, more } = await registry.repos.list(actor, {
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
      const full = queryFlag(request, 'full');
      const withCard = queryFlag(request, 'cardData');
      setNextLink(ctx, request, reply, more ? encodeCursor(offset + limit) : undefined);
      const items = [];
      for (const repo of repos) {
        const commit = await registry.revisions.resolve(repo, 'main');
        const files =
          full || expand.includes('siblings') ? await registry.revisions.files(commit) : undefined;
        const info = toApiModelInfo(repo, commit, files, { expand, discovery: repo.discovery });
        if (!full && expand.length === 0) {
          // A listing item is short unless `full=true` (as on the Hub); cardData only when asked.
          const { cardData: _cardData, siblings: _siblings, ...short } = info;
          items.push(withCard ? { ...short, cardData: info.cardData } : short);
        } else {
          items.push(info);
        }
      }
      return items;
    });

    app.get(repoPath, async (request) => {
      const repo = await readable(request);
      return modelInfoOf(ctx, request, repo, await registry.revisions.resolve(repo, 'main'));
    });

    app.get(`${repoPath}/revision/*`, async (request) => {
      const repo = await readable(request);
      const commit = await registry.revisions.resolve(repo, revisionAfter(request, 'revision'));
      return modelInfoOf(ctx, request, repo, commit);
    });

    app.get(`${repoPath}/refs`, async (request) => {
      return toApiRefs(await registry.revisions.refs(await readable(request)));
    });

    app.get(`${repoPath}/commits/*`, async (request, reply) => {
      const repo = await readable(request);
      const offset = decodeCursor(queryOne(request, 'cursor'));
      const limit = Math.min(Math.max(Number(queryOne(request, 'limit') ?? 100) || 100, 1), 1000);
      const page = await registry.revisions.history(repo, revisionAfter(request, 'commits'), {
        offset,
        limit,
      });
      setNextLink(ctx, request, reply, page.more ? encodeCursor(offset + limit) : undefined);
      return page.commits.map(toApiCommitEntry);
    });

    app.get(`${repoPath}/tree/*`, async (request, reply) => {
      const repo = await readable(request);
      const refs = await registry.revisions.refNames(repo);
      const { revision, path } = splitRevisionPath(segmentsAfter(request, 4, 'tree'), (ref) => refs.has(ref));
      const commit = await registry.revisions.resolve(repo, revision);
      const dir = path.replace(/^\/+|\/+$/g, '');
      const files = await registry.revisions.files(commit);
      const lastCommitOf = queryFlag(request, 'expand') ? await lastCommitsOf(ctx, repo, files) : undefined;
      const entries = toApiTree(files, dir, queryFlag(request, 'recursive'), lastCommitOf);
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
    });

    app.post(`${repoPath}/paths-info/*`, async (request) => {
      const repo = await readable(request);
      const commit = await registry.revisions.resolve(repo, revisionAfter(request, 'paths-info'));
      const body = PathsInfoBody.parse(request.body);
      const files = await registry.revisions.files(commit);
      const lastCommitOf = body.expand ? await lastCommitsOf(ctx, repo, files) : undefined;
      const byPath = new Map(files.map((f) => [f.path, f]));
      const out: unknown[] = [];
      for (const raw of body.paths) {
        const path = raw.replace(/^\/+|\/+$/g, '');
        const file = byPath.get(path);
        if (file !== undefined) {
          out.push(toApiFileEntry(file, lastCommitOf?.(file.lastCommit)));
          continue;
        }
        if (path !== '' && toApiTree(files, path, false, undefined) !== undefined) {
          const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
          const entry = toApiTree(files, parent, false, undefined)?.find((e) => e.path === path);
          if (entry !== undefined) {
            out.push(entry);
          }
        }
      }
      return out;
    });

    app.post(`${repoPath}/branch/*`, async (request, reply) => {
      const repo = await readable(request);
      const body = BranchBody.parse(request.body ?? {});
      await registry.refs.createBranch(
        await actorOf(ctx, request),
        repo,
        revisionAfter(request, 'branch'),
        body.startingPoint,
        body.overwrite === true,
      );
      return reply.code(200).send({});
    });

    app.delete(`${repoPath}/branch/*`, async (request, reply) => {
      const repo = await readable(request);
      await registry.refs.deleteBranch(await actorOf(ctx, request), repo, revisionAfter(request, 'branch'));
      return reply.code(200).send({});
    });

    app.delete(`${repoPath}/tag/*`, async (request, reply) => {
      const repo = await readable(request);
      await registry.refs.deleteTag(await actorOf(ctx, request), repo, revisionAfter(request, 'tag'));
      return reply.code(200).send({});
    });

    // huggingface.co's access probe: 200 when the caller may read (or, with /write, write) the
    // repo; 401 without a valid token for a repo it cannot see, 404 with one, 403 when it may
    // read but not write.
    app.get(`${repoPath}/auth-check`, async (request, reply) => {
      await readable(request);
      return reply.code(200).send({});
    });

    app.get(`${repoPath}/auth-check/write`, async (request, reply) => {
      const { namespace, name } = repoParams(request);
      await registry.access.writableRepo(await actorOf(ctx, request), kind.type, namespace, name);
      return reply.code(200).send({});
    });

    app.post(`${repoPath}/tag/*`, async (request, reply) => {
      const repo = await readable(request);
      const body = TagBody.parse(request.body);
      await registry.refs.createTag(
        await actorOf(ctx, request),
        repo,
        body.tag,
        revisionAfter(request, 'tag'),
      );
      return reply.code(200).send({});
    });

    app.put(`${repoPath}/settings`, async (request, reply) => {
      const { namespace, name } = repoParams(request);
      const body = SettingsBody.parse(request.body);
      const isPrivate = body.visibility === undefined ? body.private : body.visibility !== 'public';
      if (isPrivate !== undefined) {
        await registry.repos.setPrivate(await actorOf(ctx, request), kind.type, namespace, name, isPrivate);
      }
      return reply.code(200).send({});
    });
  }
}
