/**
 * @packageDocumentation
 * Domain types shared by every modelhub package: model references, file entries, the head
 * manifest, the preprocessing spec, the FeatureExtractor contract, feature pooling (masked
 * mean/max/meanmax/cls/flatten), errors with stable codes, hashing, and hand-written checks of JSON
 * documents. It knows no backend and no transport, and loads no zod: the zod schemas of specs and
 * head manifests are the `@modelhub/core/schemas` entry.
 */
export { ExitCode, errorCodes, exitCodeFor } from './errors/error-codes.ts';
export type { ErrorCode } from './errors/error-codes.ts';
export { ModelhubError, isModelhubError } from './errors/modelhub-error.ts';
export type { ModelhubErrorOptions } from './errors/modelhub-error.ts';
export { filesystemError, assertWritableLocation } from './errors/filesystem-error.ts';

export { parseModelRef, formatModelRef, repoId, isCommitSha } from './model-ref/model-ref.ts';
export type { ModelRef, RepoRef, AliasRef } from './model-ref/model-ref.ts';

export { readFileEntry, blobIdOf } from './files/file-entry.ts';
export type { FileEntry } from './files/file-entry.ts';
export { assertSafeRepoPath } from './files/safe-path.ts';
export { assertRealFilesystem } from './files/pseudo-filesystem.ts';
export { readJsonObject } from './files/read-json-object.ts';
export { writeCacheFile } from './files/write-cache-file.ts';

export { displayWidth, padEndColumns, padStartColumns, truncateColumns } from './text-width/display-width.ts';

export { forEachConcurrently } from './concurrency/for-each-concurrently.ts';

export { sha256 } from './hashing/sha256.ts';
export { gitBlobSha1, createGitBlobHash } from './hashing/git-blob-sha1.ts';
export { hashFile, streamIntoHashes } from './hashing/hash-file.ts';
export { Sha256Memo } from './hashing/sha256-memo.ts';
export type { FileSha256 } from './hashing/sha256-memo.ts';
export type { FileHashes } from './hashing/hash-file.ts';
export { lfsPointer } from './hashing/lfs-pointer.ts';
export { lazySchema } from './schema/lazy-schema.ts';
export {
  DocumentCheck,
  documentSchema,
  describeIssues,
  optional,
  nullish,
  nonEmpty,
  sha1Hex,
  sha256Hex,
} from './schema/document-check.ts';
export type {
  DocumentSchema,
  DocumentResult,
  DocumentIssue,
  DocumentPath,
  StringRule,
} from './schema/document-check.ts';

// The zod schemas of specs and head manifests are in `@modelhub/core/schemas`; this entry loads no zod.
export type { PreprocessSpec } from './preprocess/preprocess-spec.ts';
export { exampleNoun, modalityOf, isImageSpec, requireImageSpec } from './preprocess/input-modality.ts';
export type { Modality } from './preprocess/input-modality.ts';
export type { InputSpec, TextSpec, AudioSpec } from './preprocess/input-spec.ts';
export type { HeadManifest, FeatureTap, FeatureView } from './manifest/head-manifest.ts';

export {
  poolFeatures,
  pooledDim,
  poolingNames,
  isPoolingName,
  moveAxisLast,
} from './pooling/pool-features.ts';
export type { PoolingName, FeatureTensor } from './pooling/pool-features.ts';
export { gridBin, poolGrid } from './pooling/pool-grid.ts';
export type { GridExtent, GridSize } from './pooling/pool-grid.ts';
export { joinViews } from './pooling/join-views.ts';
export { describeViews, refuseViews } from './features/describe-views.ts';

export type {
  FeatureExtractor,
  ImageInput,
  TextInput,
  ModelInput,
  EmbedResult,
  EmbedFailure,
} from './features/feature-extractor.ts';
export { readInputFile } from './features/read-input-file.ts';
export { extractorCandidates } from './features/candidate-extractor.ts';
export type {
  CandidateExtractor,
  CandidateOptions,
  CandidateEmbedResult,
  FeatureVariant,
} from './features/candidate-extractor.ts';
export type {
  ModelAdapter,
  AdapterOptions,
  ModelInspection,
  FeatureCandidate,
  TensorInfo,
  OriginalPrediction,
  FuseHeadOptions,
  ExportedFeed,
  ExportedScores,
} from './features/model-adapter.ts';
export { PROBE_ID, pcm16Wav, probeInput } from './probe/probe-input.ts';
export {
  PROBE_TOLERANCE,
  compareProbe,
  featureSketch,
  probeRecord,
  type ProbeComparison,
  type ProbeRecord,
} from './probe/probe-check.ts';
export {
  validationMetrics,
  type ClassScores,
  type ValidationMetrics,
} from './manifest/validation-metrics.ts';
