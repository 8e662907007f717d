import { randomBytes } from 'node:crypto';

import { UrlSigner } from '../auth/url-signer.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { SmallBlobCache } from '../storage/small-blob-cache.ts';
import { AccessControl } from './access-control.ts';
import { AliasService } from './alias-service.ts';
import { BlobLedger } from './blob-ledger.ts';
import { CommitService } from './commit-service.ts';
import { DownloadCounter } from './download-counter.ts';
import { GarbageCollector } from './garbage-collector.ts';
import { RefService } from './ref-service.ts';
import type { RegistryOptions } from './registry-options.ts';
import { RepoService } from './repo-service.ts';
import { RevisionService } from './revision-service.ts';
import { UploadService } from './upload-service.ts';

/**
 * The registry's services wired over one metadata store and one blob store. Each service checks
 * the permissions of its own operations, so the HTTP routes, the web pages, the CLI and seeding
 * share the same rules; none of them knows which backend the stores run on.
 */
export class Registry {
  readonly metadata: MetadataStore;
  readonly blobs: BlobStore;
  readonly options: RegistryOptions;
  /** Small blobs served from memory (see SmallBlobCache). */
  readonly smallBlobs: SmallBlobCache;
  /** Tokens, the actor behind a request, and who may read or write what. */
  readonly access: AccessControl;
  /** Create, delete, make private, and list repos. */
  readonly repos: RepoService;
  /** Refs, revisions, a commit's files and history. */
  readonly revisions: RevisionService;
  /** Create branches and tags. */
  readonly refs: RefService;
  /** Apply commit operations to a branch. */
  readonly commits: CommitService;
  /** Blob writes paired with their metadata rows (safe next to garbage collection). */
  readonly ledger: BlobLedger;
  /** Preupload, LFS batch plans and signed uploads. */
  readonly uploads: UploadService;
  readonly aliases: AliasService;
  readonly downloads: DownloadCounter;
  /** Blob garbage collection and the abandoned-upload sweeper. */
  readonly gc: GarbageCollector;

  private constructor(metadata: MetadataStore, blobs: BlobStore, options: RegistryOptions, secret: string) {
    this.metadata = metadata;
    this.blobs = blobs;
    this.options = options;
    this.smallBlobs = new SmallBlobCache(blobs, {
      maxBytes: options.smallBlobCacheBytes,
      maxItemBytes: options.smallBlobMaxBytes,
    });
    this.access = new AccessControl(metadata);
    this.revisions = new RevisionService(metadata, options);
    this.refs = new RefService(metadata, this.access, this.revisions);
    this.ledger = new BlobLedger(metadata, blobs);
    this.repos = new RepoService(metadata, this.ledger, this.access, this.revisions);
    this.uploads = new UploadService(
      metadata,
      blobs,
      this.ledger,
      options,
      new UrlSigner(secret),
      this.revisions,
    );
    this.commits = new CommitService(metadata, blobs, this.ledger, this.access, this.uploads);
    this.aliases = new AliasService(metadata, this.access);
    this.downloads = new DownloadCounter(metadata);
    this.gc = new GarbageCollector(metadata, blobs, { graceSeconds: options.gcGraceSeconds });
  }

  /** A registry over the given stores (it reads or creates the URL-signing secret). */
  static async open(
    metadata: MetadataStore,
    blobs: BlobStore,
    options: RegistryOptions,
    signingKey?: string,
  ): Promise<Registry> {
    // Every replica signs and checks upload URLs with the same key: given (a key file), or one
    // the first process stored in the shared metadata.
    const secret =
      signingKey ?? (await metadata.setting('url-signing-secret', () => randomBytes(32).toString('hex')));
    return new Registry(metadata, blobs, options, secret);
  }

  /** Writes pending download counts and closes the metadata store. */
  async close(): Promise<void> {
    await this.gc.stop();
    await this.downloads.flush().catch(() => undefined);
    await this.metadata.close();
    this.blobs.close?.();
  }
}
