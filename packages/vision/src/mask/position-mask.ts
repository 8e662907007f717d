/** Which axis of the model input a position axis of a feature tensor runs along. */
export type InputAxis = 'height' | 'width';

/** A position axis of a feature tensor: its length, and the input axis it follows (if any). */
export interface PositionAxis {
  readonly length: number;
  /** Undefined for an axis that does not follow the image (e.g. tokens of a transformer). */
  readonly input: InputAxis | undefined;
}

/**
 * How many of the `length` positions along an axis are real when the input along it is `size`
 * pixels, of which the first `extent` hold the image: position `i` covers a cell of
 * `stride = size / length` pixels and is real when its centre `(i + ½)·stride` lies inside the
 * extent. At least one position is always real (an image thinner than one cell still has one).
 */
export function realPositions(length: number, size: number, extent: number): number {
  if (length <= 0) {
    return 0;
  }
  const stride = size / length;
  let count = 0;
  while (count < length && (count + 0.5) * stride < extent) {
    count++;
  }
  return Math.max(1, count);
}

/**
 * The validity mask of a batch for the shared pooling: `N × (lengths…)` values in row-major order
 * over the position axes, 1 where the position's receptive-field centre lies in that image's real
 * region (`valid[n]`, from the top-left corner) of an input of `inputSize` pixels, else 0. Axes
 * that do not follow the image are real everywhere.
 */
export function positionMask(
  axes: readonly PositionAxis[],
  inputSize: { readonly height: number; readonly width: number },
  valid: ReadonlyArray<{ readonly height: number; readonly width: number }>,
): Uint8Array {
  const per = axes.reduce((a, x) => a * x.length, 1);
  const mask = new Uint8Array(valid.length * per);
  valid.forEach((region, n) => {
    const counts = axes.map((a) =>
      a.input === undefined ? a.length : realPositions(a.length, inputSize[a.input], region[a.input]),
    );
    const index = new Array<number>(axes.length).fill(0);
    for (let p = 0; p < per; p++) {
      mask[n * per + p] = index.every((i, k) => i < (counts[k] as number)) ? 1 : 0;
      for (let k = axes.length - 1; k >= 0; k--) {
        index[k] = (index[k] as number) + 1;
        if ((index[k] as number) < (axes[k] as PositionAxis).length) {
          break;
        }
        index[k] = 0;
      }
    }
  });
  return mask;
}
