import { createHash, randomBytes } from 'node:crypto';
import { PassThrough, Readable } from 'node:stream';

import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CopyObjectCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  UploadPartCopyCommand,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';

import { ModelhubError } from '@modelhub/core';

import type { BlobExpectation, BlobStore, DirectTransfers, StoredBlob } from './blob-store.ts';
import { checkExpected } from './check-expected.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;
const uploadIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
/** Bytes kept in memory before a write goes to S3 as a multipart upload (and the part size then). */
const bufferedWrite = 8 * 1024 * 1024;
/** CopyObject's limit; larger objects are copied part by part. */
const maxSingleCopy = 5 * 1024 * 1024 * 1024;
const copyPart = 1024 * 1024 * 1024;

/** Where an S3BlobStore keeps blobs and how it reaches them. */
export interface S3BlobStoreOptions {
  readonly bucket: string;
  /** Key prefix inside the bucket (no leading or trailing slash); '' for the bucket root. */
  readonly prefix: string;
  /** The S3 API the registry talks to (e.g. `http://minio:9000`); AWS when unset. */
  readonly endpoint?: string;
  /** The endpoint presigned URLs name, when clients reach the store by another address. */
  readonly publicEndpoint?: string;
  /** @default process.env.AWS_REGION ?? 'us-east-1' */
  readonly region?: string;
  /** Explicit keys; by default the SDK reads AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (or a profile). */
  readonly credentials?: { accessKeyId: string; secretAccessKey: string };
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: unknown; $metadata?: { httpStatusCode?: unknown } } | null;
  return e?.name === 'NotFound' || e?.name === 'NoSuchKey' || e?.$metadata?.httpStatusCode === 404;
}

function unavailable(error: unknown): ModelhubError {
  return new ModelhubError('UNAVAILABLE', 'The blob store cannot be reached.', {
    hint: 'Check the S3 endpoint, bucket and credentials (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY).',
    cause: error,
  });
}

function tooLarge(maxSize: number): ModelhubError {
  return new ModelhubError('PAYLOAD_TOO_LARGE', `The upload is larger than ${maxSize} bytes.`, {
    details: { maxSize },
  });
}

/**
 * Blobs in an S3-compatible bucket: `<prefix>/blobs/<sha256>` holds verified content only, and
 * only the registry writes there (after hashing the bytes itself). Clients upload to
 * `<prefix>/staging/<uploadId>` through presigned URLs and download through presigned GETs.
 * Checksums are computed only when an operation requires them: presigned PUTs carrying the SDK's
 * default CRC32 of an empty body are rejected by real S3-compatible stores.
 */
export class S3BlobStore implements BlobStore, DirectTransfers {
  readonly #client: S3Client;
  readonly #signing: S3Client;
  readonly #bucket: string;
  readonly #prefix: string;
  readonly direct: DirectTransfers = this;

  constructor(options: S3BlobStoreOptions) {
    const common = {
      region: options.region ?? process.env['AWS_REGION'] ?? 'us-east-1',
      forcePathStyle: true,
      requestChecksumCalculation: 'WHEN_REQUIRED' as const,
      responseChecksumValidation: 'WHEN_REQUIRED' as const,
      ...(options.credentials === undefined ? {} : { credentials: options.credentials }),
    };
    this.#client = new S3Client({
      ...common,
      ...(options.endpoint === undefined ? {} : { endpoint: options.endpoint }),
    });
    const publicEndpoint = options.publicEndpoint ?? options.endpoint;
    this.#signing =
      publicEndpoint === options.endpoint
        ? this.#client
        : new S3Client({ ...common, ...(publicEndpoint === undefined ? {} : { endpoint: publicEndpoint }) });
    this.#bucket = options.bucket;
    this.#prefix = options.prefix.replace(/^\/+|\/+$/g, '');
  }

  #key(kind: 'blobs' | 'staging', name: string): string {
    const pattern = kind === 'blobs' ? sha256Pattern : uploadIdPattern;
    if (!pattern.test(name)) {
      throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(name)} is not a valid ${kind} key.`);
    }
    return `${this.#prefix === '' ? '' : `${this.#prefix}/`}${kind}/${name}`;
  }

  async #send<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EHOSTUNREACH') {
        throw unavailable(error);
      }
      throw error;
    }
  }

  /** Checks the bucket answers (for /healthz). */
  async ping(): Promise<void> {
    await this.stat('0'.repeat(64));
  }

  recover(): Promise<void> {
    // Nothing to do at start: staged uploads are swept by age, like the bucket lifecycle rule.
    return Promise.resolve();
  }

  async stat(sha256: string): Promise<number | undefined> {
    try {
      const head = await this.#send(() =>
        this.#client.send(new HeadObjectCommand({ Bucket: this.#bucket, Key: this.#key('blobs', sha256) })),
      );
      return head.ContentLength;
    } catch (error) {
      if (isNotFound(error)) {
        return undefined;
      }
      throw error;
    }
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    const out = new PassThrough({ highWaterMark: 1 << 20 });
    const key = this.#key('blobs', sha256);
    this.#send(() =>
      this.#client.send(
        new GetObjectCommand({
          Bucket: this.#bucket,
          Key: key,
          ...(range === undefined ? {} : { Range: `bytes=${range.start}-${range.end}` }),
        }),
      ),
    ).then(
      (response) => {
        const body = response.Body;
        if (!(body instanceof Readable)) {
          out.destroy(new Error('The S3 response has no body stream.'));
          return;
        }
        body.once('error', (error) => out.destroy(error));
        body.pipe(out);
      },
      (error: unknown) => {
        out.destroy(error instanceof Error ? error : new Error(String(error)));
      },
    );
    return out;
  }

  async delete(sha256: string): Promise<void> {
    await this.#send(() =>
      this.#client.send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: this.#key('blobs', sha256) })),
    );
  }

  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: BlobExpectation,
  ): Promise<StoredBlob> {
    const hash = createHash('sha256');
    const chunks: Uint8Array[] = [];
    let buffered = 0;
    let size = 0;
    let multipart: { key: string; id: string; parts: { PartNumber: number; ETag: string }[] } | undefined;
    const stagingId = `w${randomBytes(12).toString('hex')}`;
    const flush = async (): Promise<void> => {
      if (multipart === undefined) {
        const key = this.#key('staging', stagingId);
        const created = await this.#send(() =>
          this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: key })),
        );
        multipart = { key, id: created.UploadId ?? '', parts: [] };
      }
      const current = multipart;
      const body = Buffer.concat(chunks.splice(0));
      buffered = 0;
      const partNumber = current.parts.length + 1;
      const part = await this.#send(() =>
        this.#client.send(
          new UploadPartCommand({
            Bucket: this.#bucket,
            Key: current.key,
            UploadId: current.id,
            PartNumber: partNumber,
            Body: body,
          }),
        ),
      );
      current.parts.push({ PartNumber: partNumber, ETag: part.ETag ?? '' });
    };
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (size > expected.maxSize) {
          throw tooLarge(expected.maxSize);
        }
        hash.update(chunk);
        chunks.push(chunk);
        buffered += chunk.byteLength;
        if (buffered >= bufferedWrite) {
          await flush();
        }
      }
      const actual = { sha256: hash.digest('hex'), size };
      checkExpected(actual, expected);
      if (multipart === undefined) {
        // Small enough to have been hashed in memory: it goes straight to its live key.
        const body = Buffer.concat(chunks);
        await this.#send(() =>
          this.#client.send(
            new PutObjectCommand({
              Bucket: this.#bucket,
              Key: this.#key('blobs', actual.sha256),
              Body: body,
            }),
          ),
        );
        return actual;
      }
      if (buffered > 0) {
        await flush();
      }
      const done = multipart;
      await this.#send(() =>
        this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key: done.key,
            UploadId: done.id,
            MultipartUpload: { Parts: done.parts },
          }),
        ),
      );
      await this.promoteStagedUpload(stagingId, actual.sha256, actual.size);
      return actual;
    } catch (error) {
      if (multipart !== undefined) {
        await this.abortStagedUpload(stagingId, multipart.id);
      }
      throw error;
    }
  }

  async writePart(
    uploadId: string,
    partNumber: number,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    maxSize: number,
  ): Promise<string> {
    // Parts received by the registry itself are kept as separate staging objects and joined
    // (and hashed) by completeParts.
    const chunks: Uint8Array[] = [];
    let size = 0;
    const hash = createHash('sha256');
    for await (const chunk of source) {
      size += chunk.byteLength;
      if (size > maxSize) {
        throw tooLarge(maxSize);
      }
      hash.update(chunk);
      chunks.push(chunk);
    }
    const body = Buffer.concat(chunks);
    await this.#send(() =>
      this.#client.send(
        new PutObjectCommand({
          Bucket: this.#bucket,
          Key: this.#key('staging', `${uploadId}-part${partNumber}`),
          Body: body,
        }),
      ),
    );
    return `"${hash.digest('hex')}"`;
  }

  async completeParts(
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
    expected: BlobExpectation,
  ): Promise<StoredBlob> {
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const keys = ordered.map((p) => this.#key('staging', `${uploadId}-part${p.partNumber}`));
    const bucket = this.#bucket;
    const client = this.#client;
    async function* joined(): AsyncGenerator<Uint8Array> {
      for (const key of keys) {
        let body: unknown;
        try {
          body = (await client.send(new GetObjectCommand({ Bucket: bucket, Key: key }))).Body;
        } catch (error) {
          throw new ModelhubError('INVALID_INPUT', 'A part of the multipart upload is missing.', {
            cause: error,
            hint: 'Upload every part before completing the upload.',
          });
        }
        if (body instanceof Readable) {
          yield* body as AsyncIterable<Buffer>;
        }
      }
    }
    const result = await this.write(joined(), expected);
    for (const key of keys) {
      await this.#send(() => this.#client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key })));
    }
    return result;
  }

  // ---- direct transfers --------------------------------------------------------------------

  async presignGet(sha256: string, options: { ttlSeconds: number; filename: string }): Promise<string> {
    return getSignedUrl(
      this.#signing,
      new GetObjectCommand({
        Bucket: this.#bucket,
        Key: this.#key('blobs', sha256),
        // ASCII only, and none of the characters (*'()!) that signers and stores percent-encode
        // differently in the signed query string.
        ResponseContentDisposition: `attachment; filename="${options.filename.replace(/[^A-Za-z0-9._-]/g, '_')}"`,
      }),
      { expiresIn: options.ttlSeconds },
    );
  }

  async beginStagedUpload(uploadId: string, parts: number): Promise<string | null> {
    if (parts <= 1) {
      return null;
    }
    const created = await this.#send(() =>
      this.#client.send(
        new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: this.#key('staging', uploadId) }),
      ),
    );
    return created.UploadId ?? null;
  }

  async presignStagedUpload(
    uploadId: string,
    storeUploadId: string | null,
    parts: number,
    ttlSeconds: number,
  ): Promise<string[]> {
    const key = this.#key('staging', uploadId);
    if (storeUploadId === null) {
      return [
        await getSignedUrl(this.#signing, new PutObjectCommand({ Bucket: this.#bucket, Key: key }), {
          expiresIn: ttlSeconds,
        }),
      ];
    }
    return Promise.all(
      Array.from({ length: parts }, (_, i) =>
        getSignedUrl(
          this.#signing,
          new UploadPartCommand({
            Bucket: this.#bucket,
            Key: key,
            UploadId: storeUploadId,
            PartNumber: i + 1,
          }),
          { expiresIn: ttlSeconds },
        ),
      ),
    );
  }

  async verifyStagedUpload(
    uploadId: string,
    storeUploadId: string | null,
    parts: readonly { partNumber: number; etag: string }[] | null,
    expected: { sha256: string; size: number },
  ): Promise<StoredBlob> {
    const key = this.#key('staging', uploadId);
    if (storeUploadId !== null) {
      if (parts === null) {
        throw new ModelhubError('INVALID_INPUT', 'A multipart upload needs its parts to be completed.');
      }
      try {
        await this.#send(() =>
          this.#client.send(
            new CompleteMultipartUploadCommand({
              Bucket: this.#bucket,
              Key: key,
              UploadId: storeUploadId,
              MultipartUpload: {
                Parts: [...parts]
                  .sort((a, b) => a.partNumber - b.partNumber)
                  .map((p) => ({ PartNumber: p.partNumber, ETag: p.etag })),
              },
            }),
          ),
        );
      } catch (error) {
        if (!isNotFound(error)) {
          throw new ModelhubError('INVALID_INPUT', 'The storage refused to join the uploaded parts.', {
            cause: error,
            hint: 'Upload every part, then complete with the ETags the part uploads returned.',
          });
        }
        // A retried completion: the parts were joined by the first call.
      }
    }
    let body: unknown;
    try {
      body = (
        await this.#send(() => this.#client.send(new GetObjectCommand({ Bucket: this.#bucket, Key: key })))
      ).Body;
    } catch (error) {
      if (isNotFound(error)) {
        throw new ModelhubError('ENTRY_NOT_FOUND', `Nothing was uploaded for ${expected.sha256} yet.`, {
          hint: 'PUT the bytes to the upload URL first.',
          details: { oid: expected.sha256 },
        });
      }
      throw error;
    }
    const hash = createHash('sha256');
    let size = 0;
    if (body instanceof Readable) {
      for await (const chunk of body as AsyncIterable<Buffer>) {
        size += chunk.byteLength;
        hash.update(chunk);
      }
    }
    const actual = { sha256: hash.digest('hex'), size };
    try {
      checkExpected(actual, expected);
    } catch (error) {
      // Bytes that are not the announced object are never kept.
      await this.abortStagedUpload(uploadId, null);
      throw error;
    }
    return actual;
  }

  async promoteStagedUpload(uploadId: string, sha256: string, size: number): Promise<void> {
    const from = `${this.#bucket}/${this.#key('staging', uploadId)}`;
    const to = this.#key('blobs', sha256);
    if (size <= maxSingleCopy) {
      await this.#send(() =>
        this.#client.send(new CopyObjectCommand({ Bucket: this.#bucket, Key: to, CopySource: from })),
      );
    } else {
      const created = await this.#send(() =>
        this.#client.send(new CreateMultipartUploadCommand({ Bucket: this.#bucket, Key: to })),
      );
      const id = created.UploadId ?? '';
      const parts: { PartNumber: number; ETag: string }[] = [];
      for (let start = 0, n = 1; start < size; start += copyPart, n++) {
        const end = Math.min(size, start + copyPart) - 1;
        const copied = await this.#send(() =>
          this.#client.send(
            new UploadPartCopyCommand({
              Bucket: this.#bucket,
              Key: to,
              UploadId: id,
              PartNumber: n,
              CopySource: from,
              CopySourceRange: `bytes=${start}-${end}`,
            }),
          ),
        );
        parts.push({ PartNumber: n, ETag: copied.CopyPartResult?.ETag ?? '' });
      }
      await this.#send(() =>
        this.#client.send(
          new CompleteMultipartUploadCommand({
            Bucket: this.#bucket,
            Key: to,
            UploadId: id,
            MultipartUpload: { Parts: parts },
          }),
        ),
      );
    }
    await this.abortStagedUpload(uploadId, null);
  }

  async abortStagedUpload(uploadId: string, storeUploadId: string | null): Promise<void> {
    const key = this.#key('staging', uploadId);
    if (storeUploadId !== null) {
      // Not every S3-compatible store implements it; the bucket's AbortIncompleteMultipartUpload
      // lifecycle rule is the backstop.
      await this.#client
        .send(new AbortMultipartUploadCommand({ Bucket: this.#bucket, Key: key, UploadId: storeUploadId }))
        .catch(() => undefined);
    }
    await this.#client
      .send(new DeleteObjectCommand({ Bucket: this.#bucket, Key: key }))
      .catch(() => undefined);
  }

  close(): void {
    this.#client.destroy();
    if (this.#signing !== this.#client) {
      this.#signing.destroy();
    }
  }
}
