/**
 * @packageDocumentation
 * Test helpers (private, devDependency only): fixture models built from npm packages, the MNIST
 * digits as image folders, and a real registry on port 0.
 */
export { ensureFixtures, fixturesRoot } from './fixtures/ensure-fixtures.ts';
export type { FixtureSet, FixtureModel, FixtureProgress } from './fixtures/ensure-fixtures.ts';
export { fixtureModels } from './fixtures/fixture-models.ts';
export type { FixtureModelName, FixtureFormat, FixtureModelSpec } from './fixtures/fixture-models.ts';
export { readUmdExport } from './fixtures/umd-literal.ts';
export type { LiteralValue } from './fixtures/umd-literal.ts';
export { startTestRegistry } from './registry/start-test-registry.ts';
export type { TestRegistry, TestRegistryOptions } from './registry/start-test-registry.ts';
export { featureExtractorConformance } from './conformance/feature-extractor-suite.ts';
export type { FeatureExtractorConformanceOptions, ItLike } from './conformance/feature-extractor-suite.ts';
export { captureIo } from './io/capture-io.ts';
export type { CapturedIo } from './io/capture-io.ts';
export { mountSmallFilesystem, withSmallFilesystem } from './fs/small-filesystem.ts';
export type { SmallFilesystem, SmallFilesystemOptions, CommandLine } from './fs/small-filesystem.ts';
export { metadataStoreConformance } from './conformance/metadata-store-suite.ts';
export { blobStoreConformance } from './conformance/blob-store-suite.ts';
export { startPostgres } from './services/postgres-server.ts';
export type { TestPostgres } from './services/postgres-server.ts';
export { startS3 } from './services/s3-server.ts';
export type { TestS3 } from './services/s3-server.ts';
export { startNginx } from './services/nginx-server.ts';
export type { TestNginx } from './services/nginx-server.ts';
export { accelRedirectConfig } from './services/nginx-accel-config.ts';
export type { AccelRedirectConfigOptions } from './services/nginx-accel-config.ts';
export { freePort } from './services/free-port.ts';
export { startHttpServer } from './services/http-server.ts';
export type { TestHttpServer, TestHttpServerOptions } from './services/http-server.ts';
export { wordPieceTokenizerJson } from './text/word-piece-tokenizer.ts';
export { launchTestBrowser, chromiumFlags, chromiumPath, screenshotsRoot } from './browser/test-browser.ts';
export type { TestBrowser } from './browser/test-browser.ts';
