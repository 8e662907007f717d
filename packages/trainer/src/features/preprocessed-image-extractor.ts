import { isModelhubError, ModelhubError } from '@modelhub/core';
import type {
  EmbedFailure,
  EmbedResult,
  FeatureExtractor,
  FeatureTap,
  ImageInput,
  PreprocessSpec,
} from '@modelhub/core';
import { decodeImage, describeInput } from '@modelhub/vision';

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
    async embed(inputs: readonly ImageInput[]): Promise<EmbedResult> {
      const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(inputs.length);
      const failures: EmbedFailure[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < inputs.length) {
          const index = next++;
          const input = inputs[index] as ImageInput;
          try {
            const { data } = await decodeImage(input, preprocess);
            if (data.length !== dim) {
              throw new ModelhubError(
                'INVALID_INPUT',
                `${describeInput(input)} decodes to ${data.length} values, the model takes ${dim}`,
              );
            }
            vectors[index] = data;
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
