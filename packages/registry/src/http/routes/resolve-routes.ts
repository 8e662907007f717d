import type { OutgoingHttpHeaders } from 'node:http';
import { pipeline } from 'node:stream';

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

import { ModelhubError, lfsPointer } from '@modelhub/core';

import type { Commit, Repo, RepoType, TreeFile } from '../../domain/types.ts';
import { splitRevisionPath } from '../../repo/revision-path.ts';
import { countsAsDownload, fileResponseHeaders } from '../file-response-headers.ts';
import { actorOf, repoKinds, segmentsAfter, type RouteContext } from '../request-context.ts';

/** Parses a single `bytes=` range against a size; undefined = whole file, null = unsatisfiable. */
export function parseRange(
  header: string | undefined,
  size: number,
): { start: number; end: number } | undefined | null {
  if (header === undefined) {
    return undefined;
  }
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (match === null) {
    return undefined;
  }
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') {
    return undefined;
  }
  if (from === '') {
    const suffix = Number(to);
    if (suffix === 0) {
      return null;
    }
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(from);
  const end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  if (start >= size || end < start) {
    return null;
  }
  return { start, end };
}

const commitSha = /^[0-9a-f]{40}$/;

async function locate(
  ctx: RouteContext,
  request: FastifyRequest,
  type: RepoType,
  skip: number,
  keyword: string,
): Promise<{ repo: Repo; commit: Commit; file: TreeFile }> {
  const { namespace, name } = request.params as { namespace: string; name: string };
  const repo = await ctx.registry.access.readableRepo(await actorOf(ctx, request), type, namespace, name);
  const segments = segmentsAfter(request, skip, keyword);
  // A commit sha needs no ref list to split the URL (no ref name starts with one).
  const refs = commitSha.test(segments[0] ?? '')
    ? new Set<string>()
    : await ctx.registry.revisions.refNames(repo);
  const { revision, path } = splitRevisionPath(segments, (ref) => refs.has(ref));
  const commit = await ctx.registry.revisions.resolve(repo, revision);
  if (path === '') {
    throw new ModelhubError('ENTRY_NOT_FOUND', 'No file path given.', { details: { commit: commit.sha } });
  }
  return { repo, commit, file: await ctx.registry.revisions.file(commit, path) };
}

async function sendBytes(
  ctx: RouteContext,
  request: FastifyRequest,
  reply: FastifyReply,
  found: { repo: Repo; commit: Commit; file: TreeFile },
  raw: boolean,
): Promise<FastifyReply> {
  const { repo, commit, file } = found;
  const head = request.method === 'HEAD';
  // /raw/ of an LFS file is the git blob itself: the pointer text.
  const pointer = raw && file.lfs ? Buffer.from(lfsPointer(file.sha256, file.size)) : undefined;
  const size = pointer?.byteLength ?? file.size;
  const etag = pointer !== undefined ? file.gitOid : file.lfs ? file.sha256 : file.gitOid;
  reply.header('x-repo-commit', commit.sha);
  reply.header('etag', `"${etag}"`);
  if (file.lfs && pointer === undefined) {
    reply.header('x-linked-etag', `"${file.sha256}"`);
  }
  reply.header('x-linked-size', String(size));
  reply.header('accept-ranges', 'bytes');
  for (const [name, value] of Object.entries(fileResponseHeaders(file.path))) {
    reply.header(name, value);
  }
  const direct = ctx.registry.blobs.direct;
  if (file.lfs && pointer === undefined && direct !== undefined && ctx.registry.options.redirectDownloads) {
    // huggingface.co's shape: a 302 to the storage carrying the file's identity on the 302 itself
    // (Python reads X-Linked-Size and X-Linked-Etag there and does not follow an absolute Location
    // on HEAD). The URL is presigned: clients must not send their token to it.
    const location = await direct.presignGet(file.sha256, {
      ttlSeconds: ctx.registry.options.downloadUrlTtl,
      filename: file.path.split('/').pop() ?? 'file',
    });
    reply.header('location', location);
    reply.header('cache-control', 'private, no-store');
    reply.header('content-length', '0');
    reply.removeHeader('accept-ranges');
    reply.removeHeader('content-type');
    reply.removeHeader('content-disposition');
    if (!head && countsAsDownload(file.path) && !isContinuation(request.headers.range)) {
      ctx.registry.downloads.count(repo);
    }
    return reply.code(302).send();
  }
  const accel = ctx.accelRedirect;
  if (accel !== undefined && pointer === undefined && size > 0) {
    // Behind nginx: the registry only authorizes; nginx serves the blob file itself (sendfile,
    // its own Range and HEAD handling) from the internal location `accel.location`.
    if (!head && countsAsDownload(file.path) && !isContinuation(request.headers.range)) {
      ctx.registry.downloads.count(repo);
    }
    reply.header('x-accel-redirect', `${accel.location}${accel.relativePath(file.sha256)}`);
    reply.header('x-accel-buffering', 'no');
    if (request.headers.range === undefined) {
      // nginx adds its own to a whole-file answer (and none to a 206, which keeps this one).
      reply.removeHeader('accept-ranges');
    }
    return reply.code(200).send();
  }
  if (size === 0) {
    // A range over an empty resource is unsatisfiable by the RFC, but the JS client needs a size.
    if (request.headers.range !== undefined) {
      reply.header('content-range', 'bytes */0');
    }
    reply.header('content-length', '0');
    return reply.code(200).send(head ? undefined : Buffer.alloc(0));
  }
  const range = parseRange(request.headers.range, size);
  if (range === null) {
    reply.header('content-range', `bytes */${size}`);
    return reply
      .code(416)
      .type('application/json')
      .send({ error: `Range ${request.headers.range ?? ''} is not satisfiable for ${size} bytes` });
  }
  const start = range?.start ?? 0;
  const end = range?.end ?? size - 1;
  if (range !== undefined) {
    reply.code(206);
    reply.header('content-range', `bytes ${start}-${end}/${size}`);
  }
  reply.header('content-length', String(end - start + 1));
  if (!head && countsAsDownload(file.path) && start === 0 && end > 0) {
    // Counting never fails or slows a download.
    ctx.registry.downloads.count(repo);
  }
  if (head) {
    return reply.send();
  }
  if (pointer !== undefined) {
    return reply.send(pointer.subarray(start, end + 1));
  }
  // Write straight into the socket, as a bare node:http server would: no payload hooks or
  // serializers sit between the bytes and the client on the hot path. Small blobs come from
  // memory (one write, no file handle); the others stream from the blob store.
  const small = ctx.registry.smallBlobs.accepts(file.size)
    ? await ctx.registry.smallBlobs.get(file.sha256, file.size)
    : undefined;
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(reply.getHeaders())) {
    if (value !== undefined) {
      headers[name] = value;
    }
  }
  reply.hijack();
  reply.raw.writeHead(reply.statusCode, headers);
  if (small !== undefined) {
    reply.raw.end(start === 0 && end === size - 1 ? small : small.subarray(start, end + 1));
    return reply;
  }
  pipeline(ctx.registry.blobs.read(file.sha256, { start, end }), reply.raw, () => undefined);
  return reply;
}

/** Whether a Range header asks for anything but the start of the file (a resumed download). */
function isContinuation(range: string | undefined): boolean {
  return range !== undefined && !/^bytes=0-/.test(range.trim());
}

/** `GET`/`HEAD` `/{prefix}{repo}/resolve/{rev}/{path}` and `/raw/` (hub-protocol.md §3). */
export function registerResolveRoutes(app: FastifyInstance, ctx: RouteContext): void {
  for (const kind of repoKinds) {
    const skip = kind.web === '' ? 2 : 3;
    for (const keyword of ['resolve', 'raw'] as const) {
      const handler = async (request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
        const found = await locate(ctx, request, kind.type, skip, keyword);
        return sendBytes(ctx, request, reply, found, keyword === 'raw');
      };
      app.get(`${kind.web}/:namespace/:name/${keyword}/*`, handler);
      app.head(`${kind.web}/:namespace/:name/${keyword}/*`, handler);
    }
  }
}
