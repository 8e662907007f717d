/**
 * The zod schemas of `@modelhub/core` (`@modelhub/core/schemas`): preprocessing and input specs and
 * the head manifest. A separate entry so that importing the package's main entry loads no zod: a
 * `hub pull` never reads a spec or a manifest, and evaluating zod cost every such process ~35 ms.
 */
export { preprocessSpecSchema } from './preprocess/preprocess-spec.ts';
export { inputSpecSchema, textSpecSchema, audioSpecSchema } from './preprocess/input-spec.ts';
export { headManifestSchema, featureTapSchema, parseHeadManifest } from './manifest/head-manifest.ts';
