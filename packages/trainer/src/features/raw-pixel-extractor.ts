import type { EmbedResult, FeatureExtractor, FeatureTap, ImageInput } from '@modelhub/core';
import { decodeGrayPixels, grayPixelsSpec } from '@modelhub/vision';

import { decodeEach } from './decode-each.ts';

/**
 * The no-backbone baseline: each image's `size`×`size` grayscale pixels in [0, 1] are its feature
 * vector. Training the same head on these shows what the pretrained backbone adds.
 */
export function rawPixelExtractor(size = 28, concurrency = 8): FeatureExtractor {
  const dim = size * size;
  const tap: FeatureTap = { tensor: `pixels:gray-${size}`, runtime: 'pixels', pooling: 'none', dim };
  return {
    modelId: `pixels/gray-${size}`,
    dim,
    tap,
    preprocess: grayPixelsSpec(size),
    embed: (inputs: readonly ImageInput[]): Promise<EmbedResult> =>
      decodeEach(inputs, concurrency, (input) => decodeGrayPixels(input, size)),
    dispose(): Promise<void> {
      return Promise.resolve();
    },
  };
}
