/** Where the model's fixed-size windows start in a sequence of frames, and which hold real audio. */
export interface WindowPlan {
  /** First frame of each window. */
  readonly starts: readonly number[];
  /** 1 where the window's centre frame lies in the real (unpadded) part of the clip, else 0. */
  readonly mask: Float32Array;
}

/**
 * Cuts `frames` feature frames into windows of `window` frames every `hop` frames. At least one
 * window is planned (the caller pads shorter clips); a window counts as real when its centre frame
 * lies in `[realStart, realEnd)`, the frames of the clip itself. When none does (a clip much shorter
 * than a window), the window whose centre is nearest the clip's middle counts, so every clip keeps a vector.
 */
export function planWindows(
  frames: number,
  window: number,
  hop: number,
  realStart: number,
  realEnd: number,
): WindowPlan {
  const count = frames < window ? 1 : Math.floor((frames - window) / hop) + 1;
  const starts = Array.from({ length: count }, (_, i) => i * hop);
  const mask = new Float32Array(count);
  const half = Math.floor(window / 2);
  starts.forEach((start, i) => {
    const centre = start + half;
    mask[i] = centre >= realStart && centre < realEnd ? 1 : 0;
  });
  if (!mask.includes(1)) {
    const middle = (realStart + realEnd) / 2;
    let best = 0;
    starts.forEach((start, i) => {
      if (Math.abs(start + half - middle) < Math.abs((starts[best] ?? 0) + half - middle)) {
        best = i;
      }
    });
    mask[best] = 1;
  }
  return { starts, mask };
}
