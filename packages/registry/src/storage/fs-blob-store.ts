import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, mkdirSync } from 'node:fs';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import { ModelhubError } from '@modelhub/core';

import type { BlobExpectation, BlobStore, StoredBlob } from './blob-store.ts';
import { checkExpected } from './check-expected.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;
const uploadIdPattern = /^[A-Za-z0-9_-]{1,128}$/;
const staleUploadMs = 24 * 3600 * 1000;

function tooLarge(maxSize: number): ModelhubError {
  return new ModelhubError('PAYLOAD_TOO_LARGE', `The upload is larger than ${maxSize} bytes.`, {
    details: { maxSize },
  });
}

/**
 * Blobs on a local disk: `blobs/<aa>/<bb>/<sha256>`. Writes go to `tmp/` and are renamed into
 * place only after their hash and size check out, so a crash or a refused upload leaves at most
 * a temp file, which the next start removes.
 */
export class FsBlobStore implements BlobStore {
  readonly #root: string;

  constructor(root: string) {
    this.#root = root;
    mkdirSync(join(root, 'tmp'), { recursive: true });
    mkdirSync(join(root, 'blobs'), { recursive: true });
    mkdirSync(join(root, 'parts'), { recursive: true });
  }

  async recover(): Promise<void> {
    // Anything in tmp/ belongs to a write that never finished (crash, kill): it was never visible.
    await rm(join(this.#root, 'tmp'), { recursive: true, force: true });
    await mkdir(join(this.#root, 'tmp'), { recursive: true });
    // Parts of multipart uploads nobody completed within a day: their upload URLs have expired.
    const parts = join(this.#root, 'parts');
    for (const id of await readdir(parts)) {
      const { mtimeMs } = await stat(join(parts, id));
      if (Date.now() - mtimeMs > staleUploadMs) {
        await rm(join(parts, id), { recursive: true, force: true });
      }
    }
  }

  /** The path of a blob on disk (for this implementation only). */
  pathOf(sha256: string): string {
    if (!sha256Pattern.test(sha256)) {
      throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(sha256)} is not a sha256.`);
    }
    return join(this.#root, 'blobs', sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  /** A blob's path under the `blobs/` folder (what nginx serves in X-Accel-Redirect mode). */
  relativePath(sha256: string): string {
    if (!sha256Pattern.test(sha256)) {
      throw new ModelhubError('INVALID_ARGUMENT', `${JSON.stringify(sha256)} is not a sha256.`);
    }
    return `${sha256.slice(0, 2)}/${sha256.slice(2, 4)}/${sha256}`;
  }

  /** The folder holding the blobs (alias it in nginx for X-Accel-Redirect mode). */
  get blobsDir(): string {
    return join(this.#root, 'blobs');
  }

  async stat(sha256: string): Promise<number | undefined> {
    try {
      return (await stat(this.pathOf(sha256))).size;
    } catch {
      return undefined;
    }
  }

  async delete(sha256: string): Promise<void> {
    await rm(this.pathOf(sha256), { force: true });
  }

  read(sha256: string, range?: { start: number; end: number }): Readable {
    return createReadStream(this.pathOf(sha256), {
      highWaterMark: 1 << 20,
      ...(range === undefined ? {} : { start: range.start, end: range.end }),
    });
  }

  #tempPath(): string {
    return join(this.#root, 'tmp', randomBytes(12).toString('hex'));
  }

  /** Streams `source` into `file`, hashing it; throws if it grows past `maxSize`. */
  async #spool(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    file: string,
    maxSize: number,
  ): Promise<{ sha256: string; size: number }> {
    const hash = createHash('sha256');
    const handle = await open(file, 'w');
    let size = 0;
    try {
      for await (const chunk of source) {
        size += chunk.byteLength;
        if (size > maxSize) {
          throw tooLarge(maxSize);
        }
        hash.update(chunk);
        await handle.write(chunk);
      }
      await handle.sync();
    } finally {
      await handle.close();
    }
    return { sha256: hash.digest('hex'), size };
  }

  async #place(
    temp: string,
    actual: { sha256: string; size: number },
    expected: BlobExpectation,
  ): Promise<StoredBlob> {
    checkExpected(actual, expected);
    const target = this.pathOf(actual.sha256);
    await mkdir(join(target, '..'), { recursive: true });
    await rename(temp, target);
    return actual;
  }

  async write(
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: BlobExpectation,
  ): Promise<StoredBlob> {
    const temp = this.#tempPath();
    try {
      const actual = await this.#spool(source, temp, expected.maxSize);
      return await this.#place(temp, actual, expected);
    } finally {
      await rm(temp, { force: true });
    }
  }

  #partDir(uploadId: string): string {
    if (!uploadIdPattern.test(uploadId)) {
      throw new ModelhubError('INVALID_ARGUMENT', 'Malformed multipart upload id.');
    }
    return join(this.#root, 'parts', uploadId);
  }

  async writePart(
    uploadId: string,
    partNumber: number,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    maxSize: number,
  ): Promise<string> {
    const dir = this.#partDir(uploadId);
    await mkdir(dir, { recursive: true });
    const temp = this.#tempPath();
    try {
      const { sha256 } = await this.#spool(source, temp, maxSize);
      await rename(temp, join(dir, String(partNumber)));
      return `"${sha256}"`;
    } finally {
      await rm(temp, { force: true });
    }
  }

  async completeParts(
    uploadId: string,
    parts: readonly { partNumber: number; etag: string }[],
    expected: BlobExpectation,
  ): Promise<StoredBlob> {
    const dir = this.#partDir(uploadId);
    const ordered = [...parts].sort((a, b) => a.partNumber - b.partNumber);
    const files = ordered.map((p) => join(dir, String(p.partNumber)));
    async function* joined(): AsyncGenerator<Uint8Array> {
      for (const file of files) {
        try {
          yield* createReadStream(file, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>;
        } catch (error) {
          throw new ModelhubError('INVALID_INPUT', `A part of the multipart upload is missing.`, {
            cause: error,
            hint: 'Upload every part before completing the upload.',
          });
        }
      }
    }
    const result = await this.write(joined(), expected);
    await rm(dir, { recursive: true, force: true });
    return result;
  }
}
