/**
 * @packageDocumentation
 * Resolve, download, cache and verify models from a Hugging Face Hub-compatible registry.
 * `pull(ref, options)` is the entry point; the rest manages the cache (ls, rm, gc, verify),
 * offline bundles, search/info and tokens.
 */
export { pull } from './pull/pull.ts';
export type { PullOptions, PullResult, PullTuning, PlannedFile } from './pull/pull-types.ts';
export type { LocalDirResult } from './pull/local-dir.ts';
export type { PullEvent, FileProgress } from './progress/progress-tracker.ts';
export {
  DEFAULT_ENDPOINT,
  resolveClientConfig,
  cacheRootFor,
  huggingFaceCacheRoot,
  modelhubCacheBase,
  endpointFolder,
  normalizeEndpoint,
  sameEndpoint,
} from './config/client-config.ts';
export type { ClientOptions, ClientConfig, ClientWarning } from './config/client-config.ts';
export { resolveToken, missingTokenHint } from './auth/token-scope.ts';
export type { TokenSource, SkippedToken, ScopedToken } from './auth/token-scope.ts';
export { search, info, whoami } from './api/model-queries.ts';
export type { SearchOptions, SearchHit, ModelDetails, WhoamiResult } from './api/model-queries.ts';
export { scanCache } from './cache/scan-cache.ts';
export type { CachedRepo, CachedSnapshot } from './cache/scan-cache.ts';
export { gcCache } from './cache/gc-cache.ts';
export type { GcOptions, GcReport } from './cache/gc-cache.ts';
export { parseSize, formatBytes } from './cache/parse-size.ts';
export { BandwidthLimit, MIN_BYTES_PER_SECOND, parseBandwidth } from './http/bandwidth-limit.ts';
export type { BandwidthLimitOptions } from './http/bandwidth-limit.ts';
export { repoFolderName } from './cache/repo-cache.ts';
export { verifyCache, removeModel } from './verify/verify-cache.ts';
export type { VerifyOptions, VerifyReport, VerifyProblem } from './verify/verify-cache.ts';
export { createBundle, importBundle } from './bundle/bundle.ts';
export type { BundleResult, BundleManifest } from './bundle/bundle.ts';
export { importsFile, readImports } from './bundle/imported-models.ts';
export type { ImportedModel } from './bundle/imported-models.ts';
export { readLockfile } from './lockfile/lockfile.ts';
export type { Lockfile, LockedModel } from './lockfile/lockfile.ts';
export { readLoginToken, readHuggingFaceTokenFile, saveToken } from './auth/token-store.ts';
export { isVariant, variantSuffixes } from './select/select-files.ts';
export type { Variant } from './select/select-files.ts';
export type { RequestObserver } from './http/hub-http.ts';
export type { WriteFault } from './transfer/download-blob.ts';
export { pushFolder } from './push/load-push.ts';
export type { PushOptions, PushResult } from './push/push-folder.ts';
