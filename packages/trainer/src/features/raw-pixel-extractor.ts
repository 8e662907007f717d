import { isModelhubError, ModelhubError } from '@modelhub/core';
import type { EmbedFailure, EmbedResult, FeatureExtractor, FeatureTap, ImageInput } from '@modelhub/core';
import { decodeGrayPixels, describeInput, grayPixelsSpec } from '@modelhub/vision';

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
    async embed(inputs: readonly ImageInput[]): Promise<EmbedResult> {
      const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(inputs.length);
      const failures: EmbedFailure[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < inputs.length) {
          const index = next++;
          const input = inputs[index] as ImageInput;
          try {
            vectors[index] = await decodeGrayPixels(input, size);
          } catch (error) {
            const wrapped = isModelhubError(error)
              ? error
              : new ModelhubError('INVALID_INPUT', `Cannot read image ${describeInput(input)}`, {
                  cause: error,
                });
            failures.push({ index, input: describeInput(input), error: wrapped });
          }
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
      failures.sort((a, b) => a.index - b.index);
      return { vectors, failures };
    },
    dispose(): Promise<void> {
      return Promise.resolve();
    },
  };
}
