import type { Dispatcher } from 'undici';

import { ModelhubError } from '@modelhub/core';

import type { HubHttp, HttpResponse } from '../http/hub-http.ts';
import { Limiter } from '../transfer/limiter.ts';
import { batchResponseSchema, UploadUrlExpired, uploadLfsObject, type BatchObject } from './lfs-upload.ts';
import type { LocalFile } from './local-files.ts';
import type { RetryPolicy } from '../http/retry-policy.ts';

/** How the LFS files of a push travel. */
export interface LfsUploadOptions {
  readonly http: HubHttp;
  readonly dispatcher: Dispatcher;
  /** `namespace/name` */
  readonly repo: string;
  readonly revision: string;
  /** PUTs in flight at once across all files and parts (default 4). */
  readonly connections?: number | undefined;
  readonly retry?: RetryPolicy | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Bytes sent so far (it goes back when a failed part must be sent again). */
  readonly onBytes: (bytes: number) => void;
}

/** Expired upload URLs asked again per object before the push gives up. */
const MAX_REBATCHES = 2;

/**
 * Uploads LFS files through the batch API (hub-protocol.md §9): 100 objects per batch request,
 * files and parts in parallel under one connection budget, each PUT retried alone, a file whose
 * URLs expired asked for again, then the `verify` call when the registry wants one.
 */
export async function uploadLfsFiles(options: LfsUploadOptions, files: readonly LocalFile[]): Promise<void> {
  const { http } = options;
  const context = { repo: options.repo, revision: options.revision, endpoint: http.endpoint };
  // The first file that fails for good stops the others.
  const stop = new AbortController();
  const signal = options.signal === undefined ? stop.signal : AbortSignal.any([options.signal, stop.signal]);
  const ctx = {
    dispatcher: options.dispatcher,
    limiter: new Limiter(options.connections ?? 4),
    retry: options.retry ?? http.retry,
    signal,
    onBytes: options.onBytes,
  };
  const batch = async (chunk: readonly LocalFile[]): Promise<BatchObject[]> => {
    const res = await http.sendWithRetry(
      {
        method: 'POST',
        url: http.url(`/${options.repo}.git/info/lfs/objects/batch`),
        headers: { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' },
        body: JSON.stringify({
          operation: 'upload',
          transfers: ['basic', 'multipart'],
          hash_algo: 'sha256',
          ref: { name: options.revision },
          objects: chunk.map((f) => ({ oid: f.sha256, size: f.size })),
        }),
        signal,
      },
      context,
    );
    return (await parse(res)).objects;
  };
  const one = async (object: BatchObject, file: LocalFile): Promise<void> => {
    for (let rebatch = 0; ; rebatch += 1) {
      if (object.error !== undefined) {
        throw new ModelhubError('HTTP_ERROR', `The registry refused ${file.path}: ${object.error.message}.`, {
          details: { ...context, path: file.path, code: object.error.code },
        });
      }
      try {
        await uploadLfsObject(ctx, object, file);
        break;
      } catch (error) {
        if (!(error instanceof UploadUrlExpired) || rebatch >= MAX_REBATCHES) {
          throw error instanceof UploadUrlExpired
            ? new ModelhubError(
                'HTTP_ERROR',
                `The upload URLs for ${file.path} were refused (${error.status}) again and again.`,
                {
                  hint: 'The registry and its storage disagree on the time or the public endpoint; tell the registry operator.',
                  details: { ...context, path: file.path, status: error.status },
                },
              )
            : error;
        }
        // Fresh URLs for this object (a presigned URL outlived, e.g. after a long pause).
        const [fresh] = await batch([file]);
        if (fresh === undefined) {
          throw new ModelhubError(
            'HTTP_ERROR',
            `The registry did not answer for ${file.path} in the LFS batch.`,
          );
        }
        object = fresh;
      }
    }
    const verify = object.actions?.verify;
    if (verify !== undefined) {
      const res = await http.sendWithRetry(
        {
          method: 'POST',
          url: verify.href,
          headers: { 'content-type': 'application/vnd.git-lfs+json' },
          body: JSON.stringify({ oid: file.sha256, size: file.size }),
          signal,
        },
        { ...context, path: file.path },
      );
      await res.body.dump();
    }
  };
  // One upload per content: files with the same bytes share their object.
  const unique = [...new Map(files.map((f) => [f.sha256, f])).values()];
  let failure: { reason: unknown } | undefined;
  for (let i = 0; i < unique.length && failure === undefined; i += 100) {
    const chunk = unique.slice(i, i + 100);
    const objects = await batch(chunk);
    await Promise.all(
      chunk.map(async (file) => {
        try {
          const object = objects.find((o) => o.oid === file.sha256);
          if (object === undefined) {
            throw new ModelhubError(
              'HTTP_ERROR',
              `The registry did not answer for ${file.path} in the LFS batch.`,
              {
                details: { ...context, path: file.path },
              },
            );
          }
          await one(object, file);
        } catch (reason) {
          failure ??= { reason };
          stop.abort(reason);
        }
      }),
    );
  }
  if (failure !== undefined) {
    throw failure.reason;
  }
}

async function parse(res: HttpResponse): Promise<{ objects: BatchObject[] }> {
  const parsed = batchResponseSchema().safeParse(await res.body.json());
  if (!parsed.success) {
    throw new ModelhubError(
      'HTTP_ERROR',
      'The registry sent an unexpected answer to the LFS batch request.',
      {
        hint: 'Check that --endpoint points at a Hugging Face Hub-compatible registry.',
      },
    );
  }
  return parsed.data;
}
