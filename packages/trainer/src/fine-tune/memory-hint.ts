import { ModelhubError } from '@modelhub/core';

/**
 * Runs one training step, turning wasm running out of memory (its heap is capped at 4 GiB, and
 * back-propagation keeps every activation of the batch) into an error that says what to change.
 */
export function withMemoryHint<T>(batch: number, step: () => T): T {
  try {
    return step();
  } catch (error) {
    const text = error instanceof Error ? error.message : String(error);
    if (/memory access out of bounds|out of memory|Cannot enlarge memory|Aborted\(OOM\)/i.test(text)) {
      throw new ModelhubError(
        'OUT_OF_MEMORY',
        `fine-tuning ran out of memory with ${batch} images per step: the wasm backend holds at most 4 GiB, and back-propagation keeps every activation of a step`,
        {
          hint: 'Train fewer layers (--fine-tune last:N with a smaller N keeps the activations of the frozen part cached), or fewer images per step (--batch-size).',
          details: { batchSize: batch },
          cause: error,
        },
      );
    }
    throw error;
  }
}
