import { ModelhubError, forEachConcurrently, isModelhubError } from '@modelhub/core';
import type { EmbedFailure, ImageInput, PreprocessSpec } from '@modelhub/core';

import { decodeImage } from './decode-image.ts';
import type { DecodedImage, DecodeOptions } from './decode-image.ts';
import { describeInput } from './describe-input.ts';

/** Options of {@link decodeBatch}. */
export interface DecodeBatchOptions extends DecodeOptions {
  /**
   * How many images are decoded at once (sharp runs them on libuv threads).
   * @default 4
   */
  readonly concurrency?: number;
}

/** Decoded images in input order (`undefined` where that input failed) and the failures. */
export interface DecodeBatchResult {
  readonly images: ReadonlyArray<DecodedImage | undefined>;
  readonly failures: readonly EmbedFailure[];
}

/**
 * Decodes many images with bounded concurrency. An unreadable input becomes an entry in
 * `failures` (with its index and name); the other inputs are still decoded.
 */
export async function decodeBatch(
  inputs: readonly ImageInput[],
  spec: PreprocessSpec,
  options: DecodeBatchOptions = {},
): Promise<DecodeBatchResult> {
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 4));
  const images = new Array<DecodedImage | undefined>(inputs.length).fill(undefined);
  const failures: EmbedFailure[] = [];
  await forEachConcurrently(inputs.length, concurrency, async (index) => {
    const input = inputs[index] as ImageInput;
    try {
      images[index] = await decodeImage(input, spec, options);
    } catch (error) {
      failures.push({ index, input: describeInput(input), error: asModelhubError(error, input) });
    }
  });
  failures.sort((a, b) => a.index - b.index);
  return { images, failures };
}

function asModelhubError(error: unknown, input: ImageInput): ModelhubError {
  if (isModelhubError(error)) {
    return error;
  }
  return new ModelhubError('INVALID_INPUT', `Cannot read image ${describeInput(input)}`, { cause: error });
}
