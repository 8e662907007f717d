import { isModelhubError, ModelhubError } from '@modelhub/core';
import type { EmbedFailure, EmbedResult, ImageInput } from '@modelhub/core';
import { describeInput } from '@modelhub/vision';

/**
 * Turns each input into a vector with `decode`, `concurrency` at a time, in input order. A file that
 * cannot be read becomes a failure naming it; the other inputs still get their vectors.
 */
export async function decodeEach(
  inputs: readonly ImageInput[],
  concurrency: number,
  decode: (input: ImageInput) => Promise<Float32Array>,
): Promise<EmbedResult> {
  const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(inputs.length);
  const failures: EmbedFailure[] = [];
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next++;
      const input = inputs[index] as ImageInput;
      try {
        vectors[index] = await decode(input);
      } catch (error) {
        const wrapped = isModelhubError(error)
          ? error
          : new ModelhubError('INVALID_INPUT', `Cannot read image ${describeInput(input)}`, { cause: error });
        failures.push({ index, input: describeInput(input), error: wrapped });
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
  failures.sort((a, b) => a.index - b.index);
  return { vectors, failures };
}
