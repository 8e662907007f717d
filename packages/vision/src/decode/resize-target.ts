import type { PreprocessSpec } from '@modelhub/core';

/**
 * The size an image of `height`×`width` is resized to under `resize` (before cropping/padding).
 * `shortest_edge` covers the target box (short side hits it exactly, the other is floored, as
 * Hugging Face processors do); `longest_edge` fits inside it; `fit_height` sets the height and keeps
 * the aspect ratio, rounding the width up and capping it at `resize.width` (PaddleOCR's
 * `resize_norm_img`).
 */
export function resizeTarget(
  resize: PreprocessSpec['resize'],
  height: number,
  width: number,
): { height: number; width: number } {
  const th = resize.height;
  const tw = resize.width;
  switch (resize.mode) {
    case 'none':
      return { height, width };
    case 'exact':
      return { height: th, width: tw };
    case 'fit_height':
      return { height: th, width: Math.max(1, Math.min(tw, Math.ceil((th * width) / height))) };
    case 'shortest_edge': {
      const byHeight = th / height >= tw / width;
      return byHeight
        ? { height: th, width: Math.max(tw, Math.floor((th * width) / height)) }
        : { height: Math.max(th, Math.floor((tw * height) / width)), width: tw };
    }
    case 'longest_edge': {
      const byHeight = th / height <= tw / width;
      return byHeight
        ? { height: th, width: Math.max(1, Math.min(tw, Math.floor((th * width) / height))) }
        : { height: Math.max(1, Math.min(th, Math.floor((tw * height) / width))), width: tw };
    }
  }
}

/** Number of channels the spec produces: 1 for `gray`, otherwise 3. */
export function specChannels(spec: PreprocessSpec): number {
  return spec.decode.color === 'gray' ? 1 : 3;
}

/**
 * The dims (without batch axis, in `spec.layout`) every decoded image has, or `undefined` when the
 * size depends on the input (no exact resize, crop or full-size pad fixes it).
 */
export function specOutputDims(spec: PreprocessSpec): number[] | undefined {
  const c = specChannels(spec);
  let hw: [number, number] | undefined;
  if (spec.pad !== null) {
    if (spec.pad.multiple !== undefined) {
      return undefined;
    }
    hw = [spec.pad.height, spec.pad.width];
  } else if (spec.crop.mode === 'center') {
    hw = [spec.crop.height, spec.crop.width];
  } else if (spec.resize.mode === 'exact') {
    hw = [spec.resize.height, spec.resize.width];
  }
  if (hw === undefined) {
    return undefined;
  }
  return spec.layout === 'NCHW' ? [c, hw[0], hw[1]] : [hw[0], hw[1], c];
}

/**
 * The size an image of `height`×`width` is padded to: the pad size, or with `multiple` the next
 * multiple of it on each axis, capped at the pad size.
 */
export function paddedSize(
  pad: NonNullable<PreprocessSpec['pad']>,
  height: number,
  width: number,
): { height: number; width: number } {
  const m = pad.multiple;
  if (m === undefined) {
    return { height: pad.height, width: pad.width };
  }
  return {
    height: Math.min(pad.height, Math.ceil(height / m) * m),
    width: Math.min(pad.width, Math.ceil(width / m) * m),
  };
}
