import { createReadStream } from 'node:fs';
import { pipeline, Readable, Transform } from 'node:stream';

import type { Dispatcher } from 'undici';
import * as z from 'zod';

import { ModelhubError, lazySchema } from '@modelhub/core';

import { networkError } from '../http/http-errors.ts';
import {
  backoffDelay,
  delay,
  isRetryableNetworkError,
  isRetryableStatus,
  RetryableStatus,
  type RetryPolicy,
} from '../http/retry-policy.ts';
import type { Limiter } from '../transfer/limiter.ts';
import type { LocalFile } from './local-files.ts';

const actionSchema = lazySchema(() =>
  z.object({ href: z.string(), header: z.record(z.string(), z.string()).optional() }),
);

/** One object of an LFS batch answer (hub-protocol.md §9.2). */
export const batchObjectSchema = lazySchema(() =>
  z.object({
    oid: z.string(),
    size: z.number(),
    actions: z.object({ upload: actionSchema().optional(), verify: actionSchema().optional() }).optional(),
    error: z.object({ code: z.number(), message: z.string() }).optional(),
  }),
);

export const batchResponseSchema = lazySchema(() =>
  z.object({
    transfer: z.string().optional(),
    objects: z.array(batchObjectSchema()),
  }),
);

export type BatchObject = z.infer<ReturnType<typeof batchObjectSchema>>;

/** What the transfers of one push share. */
export interface UploadContext {
  /** Connections for the upload URLs (presigned storage URLs or the registry's signed ones). */
  readonly dispatcher: Dispatcher;
  /** Part and file PUTs in flight at once, across every object of the push. */
  readonly limiter: Limiter;
  readonly retry: RetryPolicy;
  readonly signal?: AbortSignal | undefined;
  /** Bytes read for sending (negative when a failed attempt's bytes must be sent again). */
  readonly onBytes: (bytes: number) => void;
}

/**
 * The upload URLs of an object stopped working (401/403/410: a presigned URL past its lifetime):
 * the caller asks the batch endpoint again for fresh ones.
 */
export class UploadUrlExpired extends Error {
  readonly status: number;
  constructor(status: number) {
    super(`the storage refused the upload URL (${status})`);
    this.status = status;
  }
}

/** The first header value. */
function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * Sends one request of an upload (a PUT of a byte range, or the completion POST), retrying it
 * alone, with backoff and jitter, on transport errors and 408/429/5xx: a failed part is sent
 * again from disk, never the parts that already went. 401/403/410 mean the URL expired
 * (UploadUrlExpired); any other status is an error that names the file.
 */
async function sendRetrying(
  ctx: UploadContext,
  what: string,
  file: LocalFile,
  req: {
    readonly url: string;
    readonly method: 'PUT' | 'POST';
    readonly headers: Record<string, string>;
    /** A fresh body per attempt; the bytes a Readable yields count as progress. */
    readonly body: () => string | Readable;
  },
  progress: number,
): Promise<Dispatcher.ResponseData['headers']> {
  for (let attempt = 0; ; attempt += 1) {
    let sent = 0;
    try {
      const source = req.body();
      // Counted as undici pulls the bytes: a 'data' listener on the file stream itself would start
      // it flowing before undici reads, and the bytes read meanwhile would never be sent.
      const body =
        source instanceof Readable
          ? counted(source, (bytes) => {
              sent += bytes;
              ctx.onBytes(bytes);
            })
          : source;
      const { request } = await import('undici'); // Loaded by the commands that upload (see hub-http.ts).
      const res = await request(req.url, {
        method: req.method,
        dispatcher: ctx.dispatcher,
        headers: req.headers,
        body,
        ...(ctx.signal === undefined ? {} : { signal: ctx.signal }),
      });
      const text = await res.body.text();
      if (res.statusCode >= 200 && res.statusCode < 300) {
        if (progress > sent) {
          ctx.onBytes(progress - sent);
        }
        return res.headers;
      }
      if (res.statusCode === 401 || res.statusCode === 403 || res.statusCode === 410) {
        throw new UploadUrlExpired(res.statusCode);
      }
      if (!isRetryableStatus(res.statusCode)) {
        throw new ModelhubError(
          'HTTP_ERROR',
          `${what} of ${file.path} failed: ${new URL(req.url).host} answered ${res.statusCode}.`,
          {
            hint: 'Retry the push; files already uploaded are skipped.',
            details: { path: file.path, status: res.statusCode, body: text.slice(0, 300) },
          },
        );
      }
      throw new RetryableStatus(res.statusCode, header(res.headers, 'retry-after'));
    } catch (error) {
      if (sent > 0) {
        ctx.onBytes(-sent);
      }
      if (ctx.signal?.aborted === true) {
        throw ctx.signal.reason instanceof Error ? ctx.signal.reason : error;
      }
      const retryable = error instanceof RetryableStatus || isRetryableNetworkError(error);
      if (!retryable || attempt >= ctx.retry.retries) {
        if (error instanceof RetryableStatus) {
          throw new ModelhubError(
            'HTTP_ERROR',
            `${what} of ${file.path} kept failing: ${new URL(req.url).host} answered ${error.status} ${attempt + 1} times.`,
            {
              hint: 'The storage or registry is overloaded or failing; retry the push later (finished files are skipped).',
              details: { path: file.path, status: error.status },
            },
          );
        }
        throw isRetryableNetworkError(error) ? networkError(error, req.url) : error;
      }
      await delay(
        backoffDelay(ctx.retry, attempt, error instanceof RetryableStatus ? error.retryAfterMs : undefined),
        ctx.signal,
      );
    }
  }
}

/** `source` passed through a counter of the bytes read from it; an error destroys both. */
function counted(source: Readable, onBytes: (bytes: number) => void): Readable {
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      onBytes(chunk.byteLength);
      done(null, chunk);
    },
  });
  return pipeline(source, counter, () => {
    // Errors reach undici through the counter, which pipeline destroys with them.
  });
}

/** PUTs bytes [start, end) of a file to an upload URL (which authenticates itself: no token). */
async function putRange(
  ctx: UploadContext,
  what: string,
  url: string,
  file: LocalFile,
  start: number,
  end: number,
): Promise<string | undefined> {
  const headers = await ctx.limiter.run(() =>
    sendRetrying(
      ctx,
      what,
      file,
      {
        url,
        method: 'PUT',
        headers: { 'content-length': String(end - start), 'content-type': 'application/octet-stream' },
        // Streamed from disk for every attempt: nothing of the file is held in memory.
        body: () => (end > start ? createReadStream(file.absolute, { start, end: end - 1 }) : ''),
      },
      end - start,
    ),
  );
  return header(headers, 'etag');
}

/**
 * Uploads one LFS object as the batch answer says: a single PUT (basic transfer), or HF-style
 * multipart (a `chunk_size` header plus one presigned URL per part, sent in parallel, then a
 * completion POST to a URL that carries its own credential). Each PUT is retried alone; an
 * expired URL throws UploadUrlExpired so the caller can ask the batch endpoint again.
 */
export async function uploadLfsObject(
  ctx: UploadContext,
  object: BatchObject,
  file: LocalFile,
): Promise<void> {
  const upload = object.actions?.upload;
  if (upload === undefined) {
    return;
  }
  const chunkSize = Number(upload.header?.['chunk_size'] ?? Number.NaN);
  if (!Number.isFinite(chunkSize)) {
    await putRange(ctx, 'Uploading', upload.href, file, 0, file.size);
    return;
  }
  const partUrls = Object.entries(upload.header ?? {})
    .filter(([key]) => /^[0-9]+$/.test(key))
    .sort(([a], [b]) => Number(a) - Number(b));
  if (chunkSize <= 0 || partUrls.length !== Math.ceil(file.size / chunkSize)) {
    throw new ModelhubError(
      'HTTP_ERROR',
      `The registry offered ${partUrls.length} parts of ${chunkSize} bytes for ${file.path} (${file.size} bytes).`,
      { hint: 'The registry does not speak the Hub multipart protocol as expected; report it.' },
    );
  }
  const parts = await Promise.all(
    partUrls.map(async ([key, url]) => {
      const start = (Number(key) - 1) * chunkSize;
      const end = Math.min(file.size, start + chunkSize);
      const etag = await putRange(ctx, `Uploading part ${Number(key)}`, url, file, start, end);
      if (etag === undefined || etag === '') {
        throw new ModelhubError('HTTP_ERROR', `The storage sent no ETag for part ${key} of ${file.path}.`);
      }
      return { partNumber: Number(key), etag };
    }),
  );
  // The completion is idempotent on the registry: a retry after a lost answer finds it done.
  await sendRetrying(
    ctx,
    'Completing the upload',
    file,
    {
      url: upload.href,
      method: 'POST',
      headers: { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' },
      body: () => JSON.stringify({ oid: file.sha256, parts }),
    },
    0,
  );
}
