import { createRequire } from 'node:module';

import type { TrainerDeps } from '../commands/train.ts';
import { clientOptionsFrom } from '../context/client-context.ts';
import type { GlobalOptions } from '../program.ts';
import { loadHead } from './head-base.ts';
import { runProbe } from './head-check.ts';
import { featureCacheFile, openBackbone, openCandidates } from './open-backbone.ts';

const pkg = createRequire(import.meta.url)('../../package.json') as { version: string };

/**
 * What `hub train` and `hub eval` run on: backbones pulled with the global options and loaded by
 * the adapter their files call for, and a feature cache beside the model cache.
 */
export function trainerDeps(globals: GlobalOptions): TrainerDeps {
  const options = clientOptionsFrom(globals);
  return {
    openBackbone: (model, backbone) => openBackbone(model, { ...options, ...backbone }),
    openCandidates: (model, { layer, ...choices }) =>
      openCandidates(model, choices, { ...options, ...(layer === undefined ? {} : { layer }) }),
    featureCachePath: featureCacheFile(options),
    createdBy: `modelhub ${pkg.version}`,
    recordCheck: async (headDir) => {
      const head = await loadHead(headDir, undefined, options);
      try {
        return await runProbe(head.manifest, head.extractor, head.classifier);
      } finally {
        await head.extractor.dispose();
      }
    },
  };
}
