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
 * is one of the first `realFrames`. The first window always counts, so a short clip keeps a vector.
 */
export function planWindows(frames: number, window: number, hop: number, realFrames: number): WindowPlan {
  const count = frames < window ? 1 : Math.floor((frames - window) / hop) + 1;
  const starts = Array.from({ length: count }, (_, i) => i * hop);
  const mask = new Float32Array(count);
  starts.forEach((start, i) => {
    mask[i] = i === 0 || start + Math.floor(window / 2) < realFrames ? 1 : 0;
  });
  return { starts, mask };
}
