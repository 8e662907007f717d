import { randomBytes } from 'node:crypto';

import { UrlSigner } from '../auth/url-signer.ts';
import type { MetadataStore } from '../metadata/metadata-store.ts';
import type { BlobStore } from '../storage/blob-store.ts';
import { SmallBlobCache } from '../storage/small-blob-cache.ts';
import { AccessControl } from './access-control.ts';
import { AliasService } from './alias-service.ts';
import { CommitService } from './commit-service.ts';
import { DownloadCounter } from './download-counter.ts';
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
  /** Preupload, LFS batch plans and signed uploads. */
  readonly uploads: UploadService;
  readonly aliases: AliasService;
  readonly downloads: DownloadCounter;

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
    this.repos = new RepoService(metadata, blobs, this.access, this.revisions);
    this.refs = new RefService(metadata, this.access, this.revisions);
    this.commits = new CommitService(metadata, blobs, this.access, this.revisions);
    this.uploads = new UploadService(metadata, blobs, options, new UrlSigner(secret), this.revisions);
    this.aliases = new AliasService(metadata, this.access);
    this.downloads = new DownloadCounter(metadata);
  }

  /** A registry over the given stores (it reads or creates the URL-signing secret). */
  static async open(metadata: MetadataStore, blobs: BlobStore, options: RegistryOptions): Promise<Registry> {
    const secret = await metadata.setting('url-signing-secret', () => randomBytes(32).toString('hex'));
    return new Registry(metadata, blobs, options, secret);
  }

  /** Writes pending download counts and closes the metadata store. */
  async close(): Promise<void> {
    await this.downloads.flush().catch(() => undefined);
    await this.metadata.close();
  }
}
