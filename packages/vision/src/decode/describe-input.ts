import type { ImageInput } from '@modelhub/core';

/** How an input is named in errors and failure lists: its path, or `<N bytes>` for a buffer. */
export function describeInput(input: ImageInput): string {
  return typeof input === 'string' ? input : `<${input.byteLength} bytes>`;
}
