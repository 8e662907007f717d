import { ModelhubError, isModelhubError } from '@modelhub/core';

import { ModelFileError } from './model-files.ts';

/** Converts the plain errors of worker-safe modules into ModelhubErrors. */
export function toModelhubError(error: unknown, modelDir: string): ModelhubError {
  if (isModelhubError(error)) {
    return error;
  }
  if (error instanceof ModelFileError) {
    return new ModelhubError(error.code, error.message, {
      hint: 'Pull the model again (`hub pull`), or check that the folder holds a TF.js model.json and its weight shards.',
      details: { modelDir },
      cause: error,
    });
  }
  return new ModelhubError(
    'UNSUPPORTED_MODEL',
    `Cannot load the TF.js model in ${modelDir}: ${String(error)}`,
    {
      details: { modelDir },
      cause: error,
    },
  );
}
