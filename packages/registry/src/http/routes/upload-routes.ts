import type { FastifyInstance, FastifyRequest } from 'fastify';

import { ModelhubError } from '@modelhub/core';

import {
  CommitHeaderLine,
  CommitOperationLine,
  LfsBatchBody,
  LfsCompletionBody,
  LfsVerifyBody,
  PreuploadBody,
} from '../../api/api-schemas.ts';
import type { ApiCommitResponse, ApiLfsBatchObject } from '../../api/api-types.ts';
import type { Repo } from '../../domain/types.ts';
import type { CommitOperation } from '../../service/commit-operation.ts';
import type { LfsObjectPlan } from '../../service/registry.ts';
import {
  actorOf,
  baseUrlOf,
  queryOne,
  repoKinds,
  segmentsAfter,
  type RouteContext,
} from '../request-context.ts';

function truthy(value: string | undefined): boolean {
  return value === 'true' || value === '1';
}

function toApiLfsObject(plan: LfsObjectPlan, base: string, ttl: number): ApiLfsBatchObject {
  switch (plan.state) {
    case 'present':
      return { oid: plan.oid, size: plan.size };
    case 'error':
      return { oid: plan.oid, size: plan.size, error: { code: plan.code, message: plan.message } };
    case 'upload':
      return {
        oid: plan.oid,
        size: plan.size,
        authenticated: true,
        actions: {
          upload: { href: `${base}/api/lfs/upload/${plan.token}`, expires_in: ttl },
          verify: { href: `${base}/api/lfs/verify/${plan.token}` },
        },
      };
    case 'multipart': {
      const header: Record<string, string> = { chunk_size: String(plan.chunkSize) };
      for (let part = 1; part <= plan.parts; part++) {
        header[String(part).padStart(5, '0')] = `${base}/api/lfs/upload/${plan.token}/${part}`;
      }
      return {
        oid: plan.oid,
        size: plan.size,
        authenticated: true,
        actions: {
          upload: { href: `${base}/api/lfs/upload/${plan.token}`, header, expires_in: ttl },
          verify: { href: `${base}/api/lfs/verify/${plan.token}` },
        },
      };
    }
  }
}

/** Decodes an NDJSON commit body into a header and operations (§9.3). */
export function parseCommitBody(text: string): {
  header: { summary: string; description: string; parentCommit?: string };
  operations: CommitOperation[];
} {
  const lines = text.split('\n').filter((line) => line.trim() !== '');
  const [first, ...rest] = lines;
  if (first === undefined) {
    throw new ModelhubError('INVALID_INPUT', 'The commit body is empty.');
  }
  const head = CommitHeaderLine.parse(JSON.parse(first)).value;
  const operations = rest.map((line): CommitOperation => {
    const op = CommitOperationLine.parse(JSON.parse(line));
    switch (op.key) {
      case 'file':
        return {
          kind: 'file',
          path: op.value.path,
          content: Buffer.from(op.value.content, op.value.encoding === 'base64' ? 'base64' : 'utf8'),
        };
      case 'lfsFile':
        return {
          kind: 'lfsFile',
          path: op.value.path,
          sha256: op.value.oid,
          ...(op.value.size === undefined ? {} : { size: op.value.size }),
        };
      case 'deletedFile':
        return { kind: 'deletedFile', path: op.value.path };
      case 'deletedFolder':
        return { kind: 'deletedFolder', path: op.value.path };
    }
  });
  return {
    header: {
      summary: head.summary,
      description: head.description ?? '',
      ...(head.parentCommit == null ? {} : { parentCommit: head.parentCommit }),
    },
    operations,
  };
}

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
      return registry.writableRepo(await actorOf(ctx, request), kind.type, namespace, name);
    };

    app.post(`${kind.api}/:namespace/:name/preupload/*`, async (request) => {
      const repo = await writable(request);
      const revision = segmentsAfter(request, 4, 'preupload')
        .map((s) => decodeURIComponent(s))
        .join('/');
      const body = PreuploadBody.parse(request.body);
      const files = await registry.preupload(
        repo,
        revision,
        body.files.map((f) => ({ path: f.path, size: f.size, sample: Buffer.from(f.sample, 'base64') })),
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
      const plans = await registry.planLfsUploads(repo, body.objects);
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
        if (truthy(queryOne(request, 'create_pr'))) {
          // Committing to the branch instead would surprise a client that asked for a review.
          throw new ModelhubError(
            'INVALID_ARGUMENT',
            'This registry has no pull requests; commit to a branch instead.',
          );
        }
        const { header, operations } = parseCommitBody(request.body);
        const commit = await registry.commit(await actorOf(ctx, request), repo, branch, header, operations);
        const web = kind.web;
        return {
          commitOid: commit.sha,
          commitUrl: `${baseUrlOf(ctx, request)}${web}/${repo.namespace}/${repo.name}/commit/${commit.sha}`,
          hookOutput: '',
          success: true,
        };
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
      await registry.receiveUpload(token, request.raw);
      return reply.code(200).send({});
    });

    scoped.put('/api/lfs/upload/:token/:part', async (request, reply) => {
      const { token, part } = request.params as { token: string; part: string };
      const etag = await registry.receivePart(token, Number(part), request.raw);
      reply.header('etag', etag);
      return reply.code(200).send({});
    });

    scoped.post('/api/lfs/upload/:token', async (request, reply) => {
      const { token } = request.params as { token: string };
      const body = LfsCompletionBody.parse(
        JSON.parse((await readLimited(request, registry.options.maxJsonBodySize)).toString('utf8')),
      );
      await registry.completeUpload(token, body.oid);
      return reply.code(200).send({});
    });

    scoped.post('/api/lfs/verify/:token', async (request, reply) => {
      const { token } = request.params as { token: string };
      const body = LfsVerifyBody.parse(
        JSON.parse((await readLimited(request, registry.options.maxJsonBodySize)).toString('utf8')),
      );
      await registry.verifyUpload(token, body);
      return reply.code(200).send({});
    });
    done();
  });
}
