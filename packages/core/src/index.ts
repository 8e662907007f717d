/**
 * @packageDocumentation
 * Domain types shared by every modelhub package: model references, file entries, the head
 * manifest, the preprocessing spec, the FeatureExtractor contract, feature pooling (masked
 * mean/max/meanmax/cls/flatten), errors with stable codes, and hashing. It knows no backend and no transport.
 */
export { ExitCode, errorCodes, exitCodeFor } from './errors/error-codes.ts';
export type { ErrorCode } from './errors/error-codes.ts';
export { ModelhubError, isModelhubError } from './errors/modelhub-error.ts';
export type { ModelhubErrorOptions } from './errors/modelhub-error.ts';
export { filesystemError, assertWritableLocation } from './errors/filesystem-error.ts';

export { parseModelRef, formatModelRef, repoId, isCommitSha } from './model-ref/model-ref.ts';
export type { ModelRef, RepoRef, AliasRef } from './model-ref/model-ref.ts';

export { FileEntrySchema, blobIdOf } from './files/file-entry.ts';
export type { FileEntry } from './files/file-entry.ts';
export { assertSafeRepoPath } from './files/safe-path.ts';
export { assertRealFilesystem } from './files/pseudo-filesystem.ts';

export { displayWidth, padEndColumns, padStartColumns, truncateColumns } from './text-width/display-width.ts';

export { sha256 } from './hashing/sha256.ts';
export { gitBlobSha1, createGitBlobHash } from './hashing/git-blob-sha1.ts';
export { hashFile } from './hashing/hash-file.ts';
export type { FileHashes } from './hashing/hash-file.ts';
export { lfsPointer } from './hashing/lfs-pointer.ts';
export { lazySchema } from './schema/lazy-schema.ts';

export { preprocessSpecSchema } from './preprocess/preprocess-spec.ts';
export type { PreprocessSpec } from './preprocess/preprocess-spec.ts';
export {
  inputSpecSchema,
  textSpecSchema,
  audioSpecSchema,
  modalityOf,
  isImageSpec,
  requireImageSpec,
} from './preprocess/input-spec.ts';
export type { InputSpec, TextSpec, AudioSpec, Modality } from './preprocess/input-spec.ts';
export { headManifestSchema, featureTapSchema, parseHeadManifest } from './manifest/head-manifest.ts';
export type { HeadManifest, FeatureTap } from './manifest/head-manifest.ts';

export {
  poolFeatures,
  pooledDim,
  poolingNames,
  isPoolingName,
  moveAxisLast,
} from './pooling/pool-features.ts';
export type { PoolingName, FeatureTensor } from './pooling/pool-features.ts';

export type {
  FeatureExtractor,
  ImageInput,
  TextInput,
  ModelInput,
  EmbedResult,
  EmbedFailure,
} from './features/feature-extractor.ts';
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
} from './features/model-adapter.ts';
