import { forEachConcurrently, isModelhubError, ModelhubError } from '@modelhub/core';
import type { EmbedFailure, EmbedResult, ModelInput } from '@modelhub/core';
import { describeInput } from '@modelhub/vision';

/** How an input is named in failures. */
const nameOf = (input: ModelInput): string =>
  typeof input === 'string' || input instanceof Uint8Array
    ? describeInput(input)
    : (input.name ?? JSON.stringify(input.text.slice(0, 40)));

/**
 * Turns each input into a vector with `decode`, `concurrency` at a time, in input order. A file that
 * cannot be read becomes a failure naming it; the other inputs still get their vectors.
 */
export async function decodeEach<I extends ModelInput>(
  inputs: readonly I[],
  concurrency: number,
  decode: (input: I) => Promise<Float32Array>,
): Promise<EmbedResult> {
  const vectors: (Float32Array | undefined)[] = new Array<Float32Array | undefined>(inputs.length);
  const failures: EmbedFailure[] = [];
  await forEachConcurrently(inputs.length, concurrency, async (index) => {
    const input = inputs[index] as I;
    try {
      vectors[index] = await decode(input);
    } catch (error) {
      const wrapped = isModelhubError(error)
        ? error
        : new ModelhubError('INVALID_INPUT', `Cannot read ${nameOf(input)}`, { cause: error });
      failures.push({ index, input: nameOf(input), error: wrapped });
    }
  });
  failures.sort((a, b) => a.index - b.index);
  return { vectors, failures };
}
