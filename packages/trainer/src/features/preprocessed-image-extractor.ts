import { ModelhubError } from '@modelhub/core';
import type { EmbedResult, FeatureExtractor, FeatureTap, ImageInput, PreprocessSpec } from '@modelhub/core';
import { decodeImage, describeInput } from '@modelhub/vision';

import { decodeEach } from './decode-each.ts';

/**
 * The model's input itself as the "feature" (each image decoded and preprocessed exactly as the
 * backbone would see it, flattened): the cut for `--fine-tune all`, where every layer trains.
 */
export function preprocessedImageExtractor(
  modelId: string,
  inputLayer: string,
  preprocess: PreprocessSpec,
  dim: number,
  concurrency = 4,
): FeatureExtractor {
  const tap: FeatureTap = { tensor: inputLayer, runtime: 'tfjs-layers', pooling: 'flatten', dim };
  return {
    modelId,
    dim,
    tap,
    preprocess,
    embed: (inputs: readonly ImageInput[]): Promise<EmbedResult> =>
      decodeEach(inputs, concurrency, async (input) => {
        const { data } = await decodeImage(input, preprocess);
        if (data.length !== dim) {
          throw new ModelhubError(
            'INVALID_INPUT',
            `${describeInput(input)} decodes to ${data.length} values, the model takes ${dim}`,
          );
        }
        return data;
      }),
    dispose(): Promise<void> {
      return Promise.resolve();
    },
  };
}
