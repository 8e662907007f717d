/**
 * @packageDocumentation
 * A model registry server that speaks the Hugging Face Hub HTTP protocol: blobs by sha256 on
 * disk, metadata in SQLite, behind small storage contracts (BlobStore, MetadataStore).
 */
export { startRegistry } from './start-registry.ts';
export type { StartRegistryOptions, RunningRegistry } from './start-registry.ts';
export { openRegistry, parseS3Url } from './open-registry.ts';
export type { RegistryBackends } from './open-registry.ts';
export { GarbageCollector } from './service/garbage-collector.ts';
export type { GcReport } from './service/garbage-collector.ts';
export { createRegistryApp } from './http/registry-app.ts';
export type { RegistryAppOptions } from './http/registry-app.ts';
export { Registry } from './service/registry.ts';
export { AccessControl } from './service/access-control.ts';
export type { AccountActor } from './service/access-control.ts';
export { RepoService } from './service/repo-service.ts';
export type { CreateRepoRequest, RepoListQuery } from './service/repo-service.ts';
export { RevisionService } from './service/revision-service.ts';
export type { CommitPage } from './service/revision-service.ts';
export { RefService } from './service/ref-service.ts';
export { CommitService } from './service/commit-service.ts';
export { UploadService } from './service/upload-service.ts';
export type { LfsObjectPlan, UploadModeDecision } from './service/upload-service.ts';
export { AliasService } from './service/alias-service.ts';
export { DownloadCounter } from './service/download-counter.ts';
export { registryOptions } from './service/registry-options.ts';
export type { RegistryOptions } from './service/registry-options.ts';
export type { CommitOperation, CommitHeader } from './service/commit-operation.ts';
export { seedRegistry } from './seed/seed-registry.ts';
export type { SeedReport } from './seed/seed-registry.ts';
export type { BlobStore, BlobExpectation, StoredBlob, DirectTransfers } from './storage/blob-store.ts';
export { S3BlobStore } from './storage/s3-blob-store.ts';
export type { S3BlobStoreOptions } from './storage/s3-blob-store.ts';
export { FsBlobStore } from './storage/fs-blob-store.ts';
export type {
  MetadataStore,
  CommitWrite,
  PreparedCommit,
  BlobRecord,
  PendingUpload,
} from './metadata/metadata-store.ts';
export { SqliteMetadataStore } from './metadata/sqlite-metadata-store.ts';
export { PostgresMetadataStore } from './metadata/postgres/postgres-metadata-store.ts';
export type { PostgresStoreOptions } from './metadata/postgres/postgres-metadata-store.ts';
export { parseCardData, discoveryOf } from './repo/model-card.ts';
export type {
  AccessToken,
  Account,
  Actor,
  Alias,
  Commit,
  Ref,
  Repo,
  RepoDiscovery,
  RepoFilter,
  RepoQuery,
  RepoSort,
  RepoType,
  TreeFile,
  WebSession,
} from './domain/types.ts';
