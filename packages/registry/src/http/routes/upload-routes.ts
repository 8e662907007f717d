import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import { LfsBatchBody, LfsCompletionBody, LfsVerifyBody, PreuploadBody } from '../../api/api-schemas.ts';
import type { ApiCommitResponse } from '../../api/api-types.ts';
import { toApiCommitResponse, toApiLfsObject } from '../../api/convert.ts';
import { parseCommitBody } from '../../api/parse-commit-body.ts';
import type { Repo } from '../../domain/types.ts';
import {
  actorOf,
  baseUrlOf,
  queryFlag,
  repoKinds,
  segmentsAfter,
  type RouteContext,
} from '../request-context.ts';

async function readLimited(request: FastifyRequest, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request.raw) {
    const bytes = chunk as Buffer;
    size += bytes.byteLength;
    if (size > limit) {
      throw new ModelhubError('PAYLOAD_TOO_LARGE', `The body is larger than ${limit} bytes.`);
    }
    chunks.push(bytes);
  }
  return Buffer.concat(chunks);
}

/** Preupload, LFS batch, signed LFS uploads and the NDJSON commit (§9). */
export function registerUploadRoutes(app: FastifyInstance, ctx: RouteContext): void {
  const { registry } = ctx;

  for (const kind of repoKinds) {
    const writable = async (request: FastifyRequest): Promise<Repo> => {
      const { namespace, name } = request.params as { namespace: string; name: string };
      return registry.access.writableRepo(await actorOf(ctx, request), kind.type, namespace, name);
    };

    app.post(`${kind.api}/:namespace/:name/preupload/*`, async (request) => {
      const repo = await writable(request);
      const revision = segmentsAfter(request, 4, 'preupload')
        .map((s) => decodeURIComponent(s))
        .join('/');
      const body = PreuploadBody.parse(request.body);
      const files = await registry.uploads.preupload(
        repo,
        revision,
        body.files.map((f) => ({ path: f.path, size: f.size, sample: Buffer.from(f.sample, 'base64') })),
        body.gitIgnore,
      );
      return { files };
    });

    app.post(`${kind.web}/:namespace/:name.git/info/lfs/objects/batch`, async (request, reply) => {
      const repo = await writable(request);
      const body = LfsBatchBody.parse(request.body);
      if (body.operation !== 'upload') {
        throw new ModelhubError(
          'INVALID_ARGUMENT',
          'Only the upload operation is supported; download with /resolve/.',
        );
      }
      const plans = await registry.uploads.planLfsUploads(repo, body.objects, body.transfers ?? ['basic']);
      const base = baseUrlOf(ctx, request);
      reply.header('content-type', 'application/vnd.git-lfs+json');
      return {
        transfer: 'basic',
        objects: plans.map((plan) => toApiLfsObject(plan, base, registry.options.uploadUrlTtl)),
      };
    });

    app.post(
      `${kind.api}/:namespace/:name/commit/*`,
      { bodyLimit: registry.options.maxCommitBodySize },
      async (request): Promise<ApiCommitResponse> => {
        const repo = await writable(request);
        const branch = segmentsAfter(request, 4, 'commit')
          .map((s) => decodeURIComponent(s))
          .join('/');
        if (typeof request.body !== 'string') {
          throw new ModelhubError('INVALID_INPUT', 'The commit body must be NDJSON (application/x-ndjson).');
        }
        if (queryFlag(request, 'create_pr')) {
          // Committing to the branch instead would surprise a client that asked for a review.
          throw new ModelhubError(
            'INVALID_ARGUMENT',
            'This registry has no pull requests; commit to a branch instead.',
          );
        }
        const { header, operations } = parseCommitBody(request.body);
        const commit = await registry.commits.commit(
          await actorOf(ctx, request),
          repo,
          branch,
          header,
          operations,
        );
        return toApiCommitResponse(
          commit,
          `${baseUrlOf(ctx, request)}${kind.web}/${repo.namespace}/${repo.name}`,
        );
      },
    );
  }

  // Signed upload URLs: clients send no Authorization here, the URL token is the credential.
  // Bodies are streamed straight to the blob store, never parsed or buffered.
  void app.register((scoped, _options, done) => {
    scoped.removeAllContentTypeParsers();
    scoped.addContentTypeParser('*', (_request, _payload, next) => {
      next(null);
    });

    scoped.put('/api/lfs/upload/:token', async (request, reply) => {
      const { token } = request.params as { token: string };
      await registry.uploads.receiveUpload(token, request.raw);
      return reply.code(200).send({});
    });

    scoped.put('/api/lfs/upload/:token/:part', async (request, reply) => {
      const { token, part } = request.params as { token: string; part: string };
      const etag = await registry.uploads.receivePart(token, Number(part), request.raw);
      reply.header('etag', etag);
      return reply.code(200).send({});
    });

    scoped.post('/api/lfs/upload/:token', async (request, reply) => {
      const { token } = request.params as { token: string };
      const body = LfsCompletionBody.parse(
        JSON.parse((await readLimited(request, registry.options.maxJsonBodySize)).toString('utf8')),
      );
      await registry.uploads.completeUpload(token, body.oid, body.parts);
      return reply.code(200).send({});
    });

    scoped.post('/api/lfs/verify/:token', async (request, reply) => {
      const { token } = request.params as { token: string };
      const body = LfsVerifyBody.parse(
        JSON.parse((await readLimited(request, registry.options.maxJsonBodySize)).toString('utf8')),
      );
      await registry.uploads.verifyUpload(token, body);
      return reply.code(200).send({});
    });
    done();
  });
}
