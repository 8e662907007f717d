import type { DecodedImage } from './decode-image.ts';

/** Decoded images of one size, stacked into one model input. */
export interface SizeGroup {
  /** Their places in the decoded list, in order. */
  readonly indices: readonly number[];
  /** One image's dims (without the batch axis). */
  readonly dims: readonly number[];
  /** The images one after another: `[indices.length, ...dims]`. */
  readonly data: Float32Array;
  /** Each image's real (unpadded) region, in the same order. */
  readonly valid: ReadonlyArray<DecodedImage['valid']>;
}

/**
 * Groups decoded images by their dims and stacks each group into one batch, so a spec with free
 * sizes (PaddleOCR's width) still runs equal-sized images together. Groups come in the order of
 * their first image; `undefined` entries (failed or left-out images) are skipped. Each group is
 * stacked only when the caller reaches it, so one stacked copy is alive at a time.
 */
export function* stackBySize(images: ReadonlyArray<DecodedImage | undefined>): Generator<SizeGroup> {
  const groups = new Map<string, number[]>();
  images.forEach((img, i) => {
    if (img !== undefined) {
      const key = img.dims.join('x');
      groups.set(key, [...(groups.get(key) ?? []), i]);
    }
  });
  for (const indices of groups.values()) {
    const first = images[indices[0] ?? 0];
    if (first === undefined) {
      continue;
    }
    const per = first.data.length;
    const data = new Float32Array(per * indices.length);
    const valid = indices.map((i, row) => {
      const img = images[i];
      if (img !== undefined) {
        data.set(img.data, row * per);
      }
      return img?.valid ?? first.valid;
    });
    yield { indices, dims: first.dims, data, valid };
  }
}
