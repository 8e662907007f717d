import { randomBytes } from 'node:crypto';
import { buffer } from 'node:stream/consumers';

import ignore from 'ignore';

import { ModelhubError, assertSafeRepoPath, isModelhubError } from '@modelhub/core';

import type { UrlSigner } from '../auth/url-signer.ts';
import type { Repo, TreeFile } from '../domain/types.ts';
import type { MetadataStore, PendingUpload } from '../metadata/metadata-store.ts';
import { shouldUseLfs } from '../repo/lfs-policy.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { blobBeingCollected, type BlobLedger } from './blob-ledger.ts';
import type { RegistryOptions } from './registry-options.ts';
import type { RevisionService } from './revision-service.ts';

const sha256Pattern = /^[0-9a-f]{64}$/;
const maxIgnoreFileSize = 1024 * 1024;

/** What the LFS batch endpoint answers for one object. */
export type LfsObjectPlan =
  | { readonly oid: string; readonly size: number; readonly state: 'present' }
  | {
      readonly oid: string;
      readonly size: number;
      readonly state: 'upload';
      readonly token: string;
      /** A presigned PUT straight to the storage's staging key, instead of the registry's URL. */
      readonly url?: string;
    }
  | {
      readonly oid: string;
      readonly size: number;
      readonly state: 'multipart';
      readonly token: string;
      readonly chunkSize: number;
      readonly parts: number;
      /** Presigned part PUTs straight to the storage, instead of the registry's URLs. */
      readonly partUrls?: readonly string[];
    }
  | {
      readonly oid: string;
      readonly size: number;
      readonly state: 'error';
      readonly code: number;
      readonly message: string;
    };

/** The preupload verdict for one file. */
export interface UploadModeDecision {
  readonly path: string;
  readonly uploadMode: 'lfs' | 'regular';
  readonly shouldIgnore: boolean;
  readonly oid: string | null;
}

/** Claims inside a signed LFS upload URL. */
interface UploadClaims {
  readonly repoId: number;
  readonly oid: string;
  readonly size: number;
  readonly uploadId: string;
  readonly parts: number;
  readonly chunkSize: number;
}

/**
 * Getting file contents in before a commit: the preupload verdict (LFS or inline), the LFS batch
 * plan, and the bytes themselves through signed URLs (whole, or in parts) that carry their own
 * credential, since the clients send no Authorization there. Every object is re-hashed on receipt.
 */
export class UploadService {
  readonly #metadata: MetadataStore;
  readonly #blobs: BlobStore;
  readonly #ledger: BlobLedger;
  readonly #options: RegistryOptions;
  readonly #signer: UrlSigner;
  readonly #revisions: RevisionService;

  constructor(
    metadata: MetadataStore,
    blobs: BlobStore,
    ledger: BlobLedger,
    options: RegistryOptions,
    signer: UrlSigner,
    revisions: RevisionService,
  ) {
    this.#metadata = metadata;
    this.#blobs = blobs;
    this.#ledger = ledger;
    this.#options = options;
    this.#signer = signer;
    this.#revisions = revisions;
  }

  /**
   * Decides LFS or regular for each file, reports the remote oid of paths that exist, and marks
   * the paths a `.gitignore` excludes (the one sent with the request, else the one at `revision`),
   * which the clients then leave out of the commit.
   */
  async preupload(
    repo: Repo,
    revision: string,
    files: readonly { path: string; size: number; sample: Uint8Array }[],
    gitIgnore?: string,
  ): Promise<UploadModeDecision[]> {
    let existing = new Map<string, TreeFile>();
    try {
      existing = new Map(
        (await this.#revisions.files(await this.#revisions.resolve(repo, revision))).map((f) => [f.path, f]),
      );
    } catch {
      // A new branch has no files yet.
    }
    const rules = gitIgnore ?? (await this.#text(existing.get('.gitignore')));
    const ignored = rules === undefined ? undefined : ignore({ allowRelativePaths: true }).add(rules);
    return files.map((f) => {
      assertSafeRepoPath(f.path);
      const remote = existing.get(f.path);
      return {
        path: f.path,
        uploadMode: shouldUseLfs(f.path, f.size, f.sample, this.#options.lfsThreshold) ? 'lfs' : 'regular',
        shouldIgnore: ignored?.ignores(f.path) ?? false,
        oid: remote === undefined ? null : remote.lfs ? remote.sha256 : remote.gitOid,
      };
    });
  }

  /** A small regular file's text (a `.gitignore`), or undefined. */
  async #text(file: TreeFile | undefined): Promise<string | undefined> {
    if (file === undefined || file.lfs || file.size > maxIgnoreFileSize) {
      return undefined;
    }
    return (await buffer(this.#blobs.read(file.sha256))).toString('utf8');
  }

  /**
   * Plans the transfer of each LFS object: already present, one PUT, or parts. With a store that
   * has direct transfers (S3) the URLs are presigned PUTs into a per-upload staging key, and the
   * upload is remembered until it is verified (or swept once its URLs expired).
   */
  async planLfsUploads(
    repo: Repo,
    objects: readonly { oid: string; size: number }[],
    transfers: readonly string[] = ['basic', 'multipart'],
  ): Promise<LfsObjectPlan[]> {
    const plans: LfsObjectPlan[] = [];
    const ttl = this.#options.uploadUrlTtl;
    for (const { oid, size } of objects) {
      if (!sha256Pattern.test(oid) || !Number.isSafeInteger(size) || size < 0) {
        plans.push({
          oid,
          size,
          state: 'error',
          code: 422,
          message: 'oid must be a sha256 and size a non-negative integer',
        });
        continue;
      }
      if (size > this.#options.maxObjectSize) {
        plans.push({
          oid,
          size,
          state: 'error',
          code: 413,
          message: `Objects are limited to ${this.#options.maxObjectSize} bytes`,
        });
        continue;
      }
      // Skipping the upload is only safe when this repo already proved it holds the bytes; the
      // touch keeps the blob out of garbage collection until the commit that follows.
      if ((await this.#ledger.usable(oid)) === size && (await this.#metadata.hasObject(repo.id, oid))) {
        plans.push({ oid, size, state: 'present' });
        continue;
      }
      const multipart = size > this.#options.multipartThreshold && transfers.includes('multipart');
      const chunkSize = multipart ? this.#options.multipartChunkSize : size;
      const parts = multipart ? Math.ceil(size / chunkSize) : 1;
      const uploadId = randomBytes(12).toString('hex');
      const token = this.#signer.sign(
        { r: repo.id, o: oid, s: size, u: uploadId, p: parts, c: chunkSize },
        ttl,
      );
      const direct = this.#blobs.direct;
      if (direct === undefined) {
        plans.push(
          multipart
            ? { oid, size, state: 'multipart', token, chunkSize, parts }
            : { oid, size, state: 'upload', token },
        );
        continue;
      }
      const storeUploadId = await direct.beginStagedUpload(uploadId, parts);
      const urls = await direct.presignStagedUpload(uploadId, storeUploadId, parts, ttl);
      const now = Date.now();
      await this.#metadata.recordUpload({
        id: uploadId,
        repoId: repo.id,
        sha256: oid,
        size,
        parts,
        chunkSize,
        storeUploadId,
        createdAt: new Date(now).toISOString(),
        expiresAt: new Date(now + ttl * 1000).toISOString(),
      });
      plans.push(
        storeUploadId === null
          ? { oid, size, state: 'upload', token, url: urls[0] ?? '' }
          : { oid, size, state: 'multipart', token, chunkSize, parts, partUrls: urls },
      );
    }
    return plans;
  }

  #claims(token: string): UploadClaims {
    const raw = this.#signer.verify(token);
    const { r, o, s, u, p, c } = raw;
    if (
      typeof r !== 'number' ||
      typeof o !== 'string' ||
      typeof s !== 'number' ||
      typeof u !== 'string' ||
      typeof p !== 'number' ||
      typeof c !== 'number'
    ) {
      throw new ModelhubError('AUTH_FORBIDDEN', 'This upload URL is malformed.');
    }
    return { repoId: r, oid: o, size: s, uploadId: u, parts: p, chunkSize: c };
  }

  /** Receives a whole LFS object from a signed URL; refuses bytes that don't match. */
  async receiveUpload(token: string, body: AsyncIterable<Uint8Array>): Promise<void> {
    const claims = this.#claims(token);
    await this.#ledger.put(body, { sha256: claims.oid, size: claims.size, maxSize: claims.size });
    await this.#metadata.linkObject(claims.repoId, claims.oid);
  }

  /** Stores an LFS object for a repo from a trusted source (seeding, tools), without a signed URL. */
  async storeObject(
    repo: Repo,
    body: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    expected: { sha256: string; size: number },
  ): Promise<void> {
    await this.#ledger.put(body, { ...expected, maxSize: expected.size });
    await this.#metadata.linkObject(repo.id, expected.sha256);
  }

  /** Receives one part of a multipart upload; returns its ETag. */
  async receivePart(token: string, partNumber: number, body: AsyncIterable<Uint8Array>): Promise<string> {
    const claims = this.#claims(token);
    if (!Number.isSafeInteger(partNumber) || partNumber < 1 || partNumber > claims.parts) {
      throw new ModelhubError('INVALID_ARGUMENT', `Part ${partNumber} is out of range 1..${claims.parts}.`);
    }
    const expected =
      partNumber === claims.parts ? claims.size - claims.chunkSize * (claims.parts - 1) : claims.chunkSize;
    return this.#blobs.writePart(claims.uploadId, partNumber, body, expected);
  }

  /** Joins the parts of a multipart upload into the object (the completion URL carries its token). */
  async completeUpload(
    token: string,
    oid: string,
    parts: readonly { partNumber: number; etag: string }[] = [],
  ): Promise<void> {
    const claims = this.#claims(token);
    if (oid !== claims.oid) {
      throw new ModelhubError('INVALID_ARGUMENT', 'The completion names another object than its URL.');
    }
    const pending = await this.#metadata.getUpload(claims.uploadId);
    if (this.#blobs.direct !== undefined) {
      if (pending === undefined) {
        await this.#alreadyFinished(claims);
        return;
      }
      await this.#finish(pending, parts);
      return;
    }
    const all = Array.from({ length: claims.parts }, (_, i) => ({ partNumber: i + 1, etag: '' }));
    const stored = await this.#blobs.completeParts(claims.uploadId, all, {
      sha256: claims.oid,
      size: claims.size,
      maxSize: claims.size,
    });
    await this.#ledger.record(stored);
    await this.#metadata.linkObject(claims.repoId, claims.oid);
  }

  /** Confirms an uploaded object is stored with the announced size (Python's verify step). */
  async verifyUpload(token: string, object: { oid: string; size: number }): Promise<void> {
    const claims = this.#claims(token);
    if (object.oid !== claims.oid || object.size !== claims.size) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `Object ${object.oid} is not stored with size ${object.size}.`,
      );
    }
    const pending = await this.#metadata.getUpload(claims.uploadId);
    if (pending !== undefined && pending.storeUploadId === null) {
      await this.#finish(pending, null);
      return;
    }
    await this.#alreadyFinished(claims);
  }

  /** A verify or completion whose upload is no longer pending: fine if the object is there. */
  async #alreadyFinished(claims: UploadClaims): Promise<void> {
    const size = await this.#ledger.usable(claims.oid);
    if (size !== claims.size || !(await this.#metadata.hasObject(claims.repoId, claims.oid))) {
      throw new ModelhubError(
        'INTEGRITY_MISMATCH',
        `Object ${claims.oid} is not stored with size ${claims.size}.`,
        { hint: 'Upload it again through the LFS batch endpoint.' },
      );
    }
  }

  /**
   * Verifies a staged direct upload (hashing every byte) and makes it a blob of the repo: the
   * staged copy is promoted to the live key, or dropped when the blob is already there.
   */
  async #finish(
    upload: PendingUpload,
    parts: readonly { partNumber: number; etag: string }[] | null,
  ): Promise<void> {
    const direct = this.#blobs.direct;
    if (direct === undefined) {
      throw new ModelhubError('INTERNAL', 'A staged upload without direct transfers.');
    }
    const stored = await direct.verifyStagedUpload(upload.id, upload.storeUploadId, parts, {
      sha256: upload.sha256,
      size: upload.size,
    });
    const existing = await this.#metadata.touchBlob(stored.sha256);
    if (existing?.state === 'deleting') {
      throw blobBeingCollected(stored.sha256);
    }
    if (existing === undefined) {
      await direct.promoteStagedUpload(upload.id, stored.sha256, stored.size);
      await this.#ledger.record(stored);
    } else {
      await direct.abortStagedUpload(upload.id, null);
    }
    await this.#metadata.linkObject(upload.repoId, stored.sha256);
    await this.#metadata.deleteUpload(upload.id);
  }

  /**
   * Finishes a pending single-part direct upload of `sha256` to `repo` whose client never called
   * verify (the JS client does not); its size, or undefined when there is none with bytes.
   */
  async finishPending(repo: Repo, sha256: string): Promise<number | undefined> {
    for (const upload of await this.#metadata.pendingUploads(repo.id, sha256)) {
      if (upload.storeUploadId !== null) {
        continue;
      }
      try {
        await this.#finish(upload, null);
        return upload.size;
      } catch (error) {
        if (!(isModelhubError(error) && error.code === 'ENTRY_NOT_FOUND')) {
          throw error;
        }
      }
    }
    return undefined;
  }
}
