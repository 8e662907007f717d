import { createReadStream } from 'node:fs';

import { request, type Dispatcher } from 'undici';
import { z } from 'zod';

import { ModelhubError } from '@modelhub/core';

import type { LocalFile } from './local-files.ts';

const ActionSchema = z.object({ href: z.string(), header: z.record(z.string(), z.string()).optional() });

/** One object of an LFS batch answer (hub-protocol.md §9.2). */
export const BatchObjectSchema = z.object({
  oid: z.string(),
  size: z.number(),
  actions: z.object({ upload: ActionSchema.optional(), verify: ActionSchema.optional() }).optional(),
  error: z.object({ code: z.number(), message: z.string() }).optional(),
});

export const BatchResponseSchema = z.object({
  transfer: z.string().optional(),
  objects: z.array(BatchObjectSchema),
});

export type BatchObject = z.infer<typeof BatchObjectSchema>;

async function put(
  url: string,
  file: LocalFile,
  start: number,
  end: number,
  dispatcher: Dispatcher,
): Promise<string | undefined> {
  // Upload URLs authenticate themselves (presigned): no Authorization header goes there.
  const res = await request(url, {
    method: 'PUT',
    dispatcher,
    headers: { 'content-length': String(end - start), 'content-type': 'application/octet-stream' },
    body: end > start ? createReadStream(file.absolute, { start, end: end - 1 }) : '',
  });
  const text = await res.body.text();
  if (res.statusCode < 200 || res.statusCode >= 300) {
    throw new ModelhubError(
      'HTTP_ERROR',
      `Uploading ${file.path} failed: the storage answered ${res.statusCode}.`,
      {
        hint: 'Retry the push; files already uploaded are skipped.',
        details: { path: file.path, status: res.statusCode, body: text.slice(0, 300) },
      },
    );
  }
  const etag = res.headers['etag'];
  return Array.isArray(etag) ? etag[0] : etag;
}

/**
 * Uploads one LFS object as the batch answer says: a single PUT (basic transfer), or HF-style
 * multipart (a `chunk_size` header plus one presigned URL per part, then a completion POST).
 */
export async function uploadLfsObject(
  object: BatchObject,
  file: LocalFile,
  dispatcher: Dispatcher,
  onBytes: (bytes: number) => void,
): Promise<void> {
  const upload = object.actions?.upload;
  if (upload === undefined) {
    return;
  }
  const chunkSize = Number(upload.header?.['chunk_size'] ?? Number.NaN);
  if (!Number.isFinite(chunkSize)) {
    await put(upload.href, file, 0, file.size, dispatcher);
    onBytes(file.size);
  } else {
    const partUrls = Object.entries(upload.header ?? {})
      .filter(([key]) => /^[0-9]+$/.test(key))
      .sort(([a], [b]) => Number(a) - Number(b));
    if (partUrls.length !== Math.ceil(file.size / chunkSize)) {
      throw new ModelhubError(
        'HTTP_ERROR',
        `The registry offered ${partUrls.length} parts for ${file.path}; expected ${Math.ceil(file.size / chunkSize)}.`,
      );
    }
    const parts: { partNumber: number; etag: string }[] = [];
    for (const [key, url] of partUrls) {
      const index = Number(key) - 1;
      const start = index * chunkSize;
      const end = Math.min(file.size, start + chunkSize);
      const etag = await put(url, file, start, end, dispatcher);
      if (etag === undefined || etag === '') {
        throw new ModelhubError('HTTP_ERROR', `The storage sent no ETag for part ${key} of ${file.path}.`);
      }
      parts.push({ partNumber: Number(key), etag });
      onBytes(end - start);
    }
    const done = await request(upload.href, {
      method: 'POST',
      dispatcher,
      headers: { accept: 'application/vnd.git-lfs+json', 'content-type': 'application/vnd.git-lfs+json' },
      body: JSON.stringify({ oid: file.sha256, parts }),
    });
    const text = await done.body.text();
    if (done.statusCode < 200 || done.statusCode >= 300) {
      throw new ModelhubError(
        'HTTP_ERROR',
        `Completing the upload of ${file.path} failed (${done.statusCode}).`,
        {
          details: { path: file.path, body: text.slice(0, 300) },
        },
      );
    }
  }
}
